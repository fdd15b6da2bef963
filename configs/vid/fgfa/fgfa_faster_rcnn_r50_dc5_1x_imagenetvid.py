# FGFA (Zhu et al., ICCV 2017) on Faster R-CNN R-50-DC5 with FlowNetSimple
# and an EmbedAggregator, ImageNet VID + DET, 7 epochs (MMTracking 0.14: box
# AP@50 74.7 on ImageNet VID val). Test: 31 frames (15 on each side, stride 1)
# in a ring buffer ('test_with_fix_stride' of the FGFA-style data base).
_base_ = [
    '../../_base_/models/faster_rcnn_r50_dc5.py',
    '../../_base_/datasets/imagenet_vid_fgfa_style.py',
    '../../_base_/default_runtime.py'
]
model = dict(
    type='FGFA',
    data_preprocessor=dict(
        type='TrackDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_size_divisor=16),
    motion=dict(
        type='FlowNetSimple',
        img_scale_factor=0.5,
        # MMTracking's FlowNetS weights (flownet_simple.pth), given locally
        init_cfg=dict(
            type='Pretrained',
            checkpoint='checkpoints/flownet_simple.pth')),
    aggregator=dict(
        type='EmbedAggregator', num_convs=1, channels=512, kernel_size=3))

# training schedule: 7 epochs, lr steps at epochs 2 and 5
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=7, val_interval=7)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.0001),
    clip_grad=dict(max_norm=35, norm_type=2))
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1.0 / 3,
        by_epoch=False,
        begin=0,
        end=500),
    dict(
        type='MultiStepLR',
        begin=0,
        end=7,
        by_epoch=True,
        milestones=[2, 5],
        gamma=0.1)
]
