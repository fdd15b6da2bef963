# Deep OC-SORT on the MOT20 test set with the MOT20 YOLOX-X detector and
# the MOT20 ReID model.
_base_ = ['../bytetrack/bytetrack_yolox_x_crowdhuman_mot20-private.py']

_reid_ = dict(
    type='BaseReID',
    data_preprocessor=None,
    backbone=dict(
        type='ResNet', depth=50, num_stages=4, out_indices=(3, ),
        style='pytorch'),
    neck=dict(type='GlobalAveragePooling', kernel_size=(8, 4), stride=1),
    head=dict(
        type='LinearReIDHead',
        num_fcs=1,
        in_channels=2048,
        fc_channels=1024,
        out_channels=128,
        num_classes=1701,
        loss_cls=dict(type='CrossEntropyLoss', loss_weight=1.0),
        loss_triplet=dict(type='TripletLoss', margin=0.3, loss_weight=1.0),
        norm_cfg=dict(type='BN1d'),
        act_cfg=dict(type='ReLU')),
    init_cfg=dict(
        type='Pretrained',
        checkpoint='checkpoints/reid_r50_6e_mot20_20210803_212426-c83b1c01.pth'))

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
