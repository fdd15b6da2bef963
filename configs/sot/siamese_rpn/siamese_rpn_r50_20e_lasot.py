# SiamRPN++ (R-50, 20 epochs) under MMTracking 0.14's name
# (1.x: siamese-rpn_r50_8xb28-20e_imagenetvid-imagenetdet-coco_test-lasot.py).
# Trained on ImageNet VID / COCO / ImageNet DET pairs (8 GPUs x 28), tested on
# LaSOT (OPE, visible frames). MMTracking's published LaSOT numbers: Success
# 50.4, Norm precision 59.6, Precision 49.7 (checkpoint
# siamese_rpn_r50_1x_lasot_20211203_151612-da4b3c66.pth).
_base_ = [
    '../../_base_/datasets/sot_siamese_rpn_train.py',
    '../../_base_/datasets/lasot.py',
    '../../_base_/default_runtime.py',
]

randomness = dict(seed=1, deterministic=True)
find_unused_parameters = True
crop_size = 511
exemplar_size = 127
search_size = 255

# pixels in 0-255 BGR, no normalisation (as MMTracking)
model = dict(
    type='SiamRPN',
    data_preprocessor=dict(type='TrackDataPreprocessor'),
    backbone=dict(
        type='SOTResNet',
        depth=50,
        out_indices=(1, 2, 3),
        frozen_stages=4,
        strides=(1, 2, 1, 1),
        dilations=(1, 1, 2, 4),
        norm_eval=True,
        init_cfg=dict(type='Pretrained', checkpoint='pretrained/sot_resnet50.model')),
    neck=dict(
        type='ChannelMapper',
        in_channels=[512, 1024, 2048],
        out_channels=256,
        kernel_size=1,
        norm_cfg=dict(type='BN'),
        act_cfg=None),
    head=dict(
        type='SiameseRPNHead',
        anchor_generator=dict(
            type='SiameseRPNAnchorGenerator', strides=[8], ratios=[0.33, 0.5, 1, 2, 3], scales=[8]),
        in_channels=[256, 256, 256],
        weighted_sum=True,
        bbox_coder=dict(
            type='DeltaXYWHBBoxCoder', target_means=[0., 0., 0., 0.], target_stds=[1., 1., 1., 1.]),
        loss_cls=dict(type='CrossEntropyLoss', reduction='sum', loss_weight=1.0),
        loss_bbox=dict(type='L1Loss', reduction='sum', loss_weight=1.2)),
    train_cfg=dict(
        rpn=dict(
            assigner=dict(
                type='MaxIoUAssigner',
                pos_iou_thr=0.6,
                neg_iou_thr=0.3,
                min_pos_iou=0.6,
                match_low_quality=False),
            sampler=dict(
                type='RandomSampler',
                num=64,
                pos_fraction=0.25,
                add_gt_as_proposals=False),
            num_neg=16,
            exemplar_size=exemplar_size,
            search_size=search_size)),
    test_cfg=dict(
        exemplar_size=exemplar_size,
        search_size=search_size,
        context_amount=0.5,
        center_size=7,
        rpn=dict(penalty_k=0.05, window_influence=0.42, lr=0.38)))

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=20, val_begin=10, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

# 0.14's SiameseRPNLrUpdaterHook: x0.2 -> x1 over epochs 0-4, then x1 -> x0.1 to epoch 19
param_scheduler = [
    dict(type='SiamRPNExpLR', start_factor=0.2, end_factor=1.0, by_epoch=True, begin=0, end=5,
         endpoint=False),
    dict(type='SiamRPNExpLR', start_factor=1.0, end_factor=0.1, by_epoch=True, begin=5, end=20,
         endpoint=True),
]

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.005, momentum=0.9, weight_decay=0.0001),
    clip_grad=dict(max_norm=10.0, norm_type=2),
    paramwise_cfg=dict(custom_keys=dict(backbone=dict(lr_mult=0.1, decay_mult=1.0))))

# the backbone stays frozen for 10 epochs, then layer2-4 train (0.14's SiameseRPNOptimizerHook)
custom_hooks = [
    dict(
        type='SiamRPNBackboneUnfreezeHook',
        backbone_start_train_epoch=10,
        backbone_train_layers=['layer2', 'layer3', 'layer4'])
]
