# OC-SORT (CVPR 2023): the ByteTrack YOLOX-X detector (CrowdHuman + MOT17
# half-train) with the observation-centric tracker, MOT17 half-val.
_base_ = ['../bytetrack/bytetrack_yolox_x_crowdhuman_mot17-private-half.py']

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
