# Deep OC-SORT on the MOT20 test set with the MOT20 YOLOX-X detector and
# the MOT20 ReID model.
_base_ = [
    '../bytetrack/bytetrack_yolox_x_crowdhuman_mot20-private.py',
    '../../_base_/models/reid_r50.py'
]

# the ReID R50 with its MOT20 weights (1701 identities)
_reid_ = _base_.pop('reid')
_reid_.head.num_classes = 1701
_reid_.init_cfg.checkpoint = \
    'checkpoints/reid_r50_6e_mot20_20210803_212426-c83b1c01.pth'

model = dict(
    type='DeepOCSORT',
    reid=_reid_,
    cmc=dict(type='CameraMotionCompensation', method='sparse_flow'),
    reid_crop_cfg=dict(
        img_scale=(256, 128),
        img_norm_cfg=dict(
            mean=[123.675, 116.28, 103.53],
            std=[58.395, 57.12, 57.375],
            to_rgb=True)),
    tracker=dict(
        _delete_=True,
        type='DeepOCSORTTracker',
        with_reid=True,
        obj_score_thr=0.3,
        init_track_thr=0.7,
        match_iou_thr=0.3,
        num_frames_retain=30))
