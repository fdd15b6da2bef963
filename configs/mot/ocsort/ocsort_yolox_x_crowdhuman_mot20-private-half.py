# OC-SORT with the MOT20 detector (YOLOX-X 1600 x 896, CrowdHuman + MOT20),
# evaluated on MOT20 half-val.
_base_ = ['../bytetrack/bytetrack_yolox_x_crowdhuman_mot20-private.py']

model = dict(
    type='OCSORT',
    tracker=dict(
        _delete_=True,
        type='OCSORTTracker',
        obj_score_thr=0.3,
        init_track_thr=0.7,
        weight_iou_with_det_scores=True,
        match_iou_thr=0.3,
        num_tentatives=3,
        vel_consist_weight=0.2,
        vel_delta_t=3,
        num_frames_retain=30))

val_dataloader = dict(
    dataset=dict(
        data_root='data/MOT20/',
        ann_file='annotations/half-val_cocoformat.json',
        data_prefix=dict(img_path='train')))
test_dataloader = val_dataloader
val_evaluator = dict(gt_file='gt/gt_half-val.txt', benchmark='MOT20')
test_evaluator = dict(
    _delete_=True,
    type='MOTChallengeMetric',
    metric=['HOTA', 'CLEAR', 'Identity'],
    benchmark='MOT20',
    gt_file='gt/gt_half-val.txt',
    interpolate_tracks_cfg=dict(min_num_frames=5, max_num_frames=20))
