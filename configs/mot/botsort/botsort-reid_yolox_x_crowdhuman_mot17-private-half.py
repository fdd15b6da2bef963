# BoT-SORT-ReID: BoT-SORT with the ReID R50 (MOT17) appearance cue fused with
# IoU (element-wise minimum), MOT17 half-val.
_base_ = ['./botsort_yolox_x_crowdhuman_mot17-private-half.py']

model = dict(
    reid=dict(
        type='BaseReID',
        data_preprocessor=None,
        backbone=dict(
            type='ResNet',
            depth=50,
            num_stages=4,
            out_indices=(3, ),
            style='pytorch'),
        neck=dict(type='GlobalAveragePooling', kernel_size=(8, 4), stride=1),
        head=dict(
            type='LinearReIDHead',
            num_fcs=1,
            in_channels=2048,
            fc_channels=1024,
            out_channels=128,
            num_classes=380,
            loss_cls=dict(type='CrossEntropyLoss', loss_weight=1.0),
            loss_triplet=dict(type='TripletLoss', margin=0.3, loss_weight=1.0),
            norm_cfg=dict(type='BN1d'),
            act_cfg=dict(type='ReLU')),
        init_cfg=dict(
            type='Pretrained',
            checkpoint='checkpoints/reid_r50_6e_mot17-4bf6b63d.pth')),
    # the detector sees BGR 0-255; the ReID model ImageNet-normalised RGB
    reid_crop_cfg=dict(
        img_scale=(256, 128),
        img_norm_cfg=dict(
            mean=[123.675, 116.28, 103.53],
            std=[58.395, 57.12, 57.375],
            to_rgb=True)),
    tracker=dict(with_reid=True))
