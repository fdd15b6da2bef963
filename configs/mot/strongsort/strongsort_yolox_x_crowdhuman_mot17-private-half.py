# StrongSORT (TMM 2023): YOLOX-X (CrowdHuman + MOT17 half-train), ReID R50
# (MOT17), NSA Kalman filter, ECC camera-motion compensation; MOT17 half-val.
# StrongSORT++'s post-processing runs in the metric, as in MMTracking 1.x:
# AFLink (appearance-free tracklet linking; needs the link model in
# checkpoints/) then GSI (Gaussian-smoothed interpolation).
_base_ = [
    '../bytetrack/bytetrack_yolox_x_crowdhuman_mot17-private-half.py',
    '../../_base_/models/reid_r50.py'
]

model = dict(
    type='StrongSORT',
    detector=dict(
        init_cfg=dict(
            type='Pretrained',
            checkpoint=  # noqa: E251
            'checkpoints/yolox_x_crowdhuman_mot17-private-half_20220812_192036-b6c9ce9a.pth'  # noqa: E501
        )),
    motion=None,
    kalman=dict(type='KalmanFilter', center_only=False, use_nsa=True),
    cmc=dict(
        type='CameraMotionCompensation',
        warp_mode='cv2.MOTION_EUCLIDEAN',
        num_iters=100,
        stop_eps=0.00001),
    # the ReID R50 with its MOT17 weights
    reid=_base_.pop('reid'),
    tracker=dict(
        _delete_=True,
        type='StrongSORTTracker',
        obj_score_thr=0.6,
        reid=dict(
            img_scale=(256, 128),
            # the detector sees BGR 0-255; the ReID model ImageNet-normalised RGB
            img_norm_cfg=dict(
                mean=[123.675, 116.28, 103.53],
                std=[58.395, 57.12, 57.375],
                to_rgb=True),
            match_score_thr=0.3,
            motion_weight=0.02,
            momentum=0.9),
        match_iou_thr=0.3,
        num_tentatives=2,
        num_frames_retain=100))

val_evaluator = dict(
    interpolate_tracks_cfg=None,
    postprocess_tracklet_cfg=[
        dict(
            type='AppearanceFreeLink',
            checkpoint=  # noqa: E251
            'checkpoints/aflink_motchallenge_20220812_190310-a7578ad3.pth',
            temporal_threshold=(0, 30),
            spatial_threshold=50,
            confidence_threshold=0.95),
        dict(
            type='InterpolateTracklets',
            min_num_frames=5,
            max_num_frames=20,
            use_gsi=True,
            smooth_tau=10)
    ])
test_evaluator = val_evaluator
