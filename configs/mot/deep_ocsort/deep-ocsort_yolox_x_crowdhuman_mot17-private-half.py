# Deep OC-SORT (ICIP 2023): the ByteTrack YOLOX-X detector (CrowdHuman +
# MOT17 half-train), ReID R50 (MOT17), OC-SORT with camera-motion
# compensation, dynamic appearance and adaptive weighting; MOT17 half-val.
_base_ = [
    '../bytetrack/bytetrack_yolox_x_crowdhuman_mot17-private-half.py',
    '../../_base_/models/reid_r50.py'
]

model = dict(
    type='DeepOCSORT',
    reid=_base_.pop('reid'),
    cmc=dict(type='CameraMotionCompensation', method='sparse_flow'),
    tracker=dict(
        _delete_=True,
        type='DeepOCSORTTracker',
        with_reid=True,
        appearance_weight=0.75,
        aw_epsilon=0.5,
        alpha_fixed=0.95,
        obj_score_thr=0.3,
        init_track_thr=0.7,
        weight_iou_with_det_scores=True,
        match_iou_thr=0.3,
        num_tentatives=3,
        vel_consist_weight=0.2,
        vel_delta_t=3,
        num_frames_retain=30),
    # the detector sees BGR 0-255; the ReID model ImageNet-normalised RGB
    reid_crop_cfg=dict(
        img_scale=(256, 128),
        img_norm_cfg=dict(
            mean=[123.675, 116.28, 103.53],
            std=[58.395, 57.12, 57.375],
            to_rgb=True)))
