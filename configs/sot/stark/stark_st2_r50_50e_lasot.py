# STARK-ST2 (MMTracking 0.14 configs/sot/stark/stark_st2_r50_50e_lasot.py):
# STARK-ST1 plus the score head (3-layer MLP on the decoder query), trained
# alone for 50 epochs with a binary cross-entropy on positive / negative
# search frames (TridentSampling train_cls_head, half negatives from another
# video), everything else frozen; starts from the ST1 checkpoint:
#   tools/train.py this.py --cfg-options load_from=${STARK-ST1 checkpoint}
# Test: the dynamic template is renewed every 300 frames when the score > 0.5
# (published LaSOT: AUC 67.8, norm. precision 78.5, precision 73.0).
_base_ = ['./stark_st1_r50_500e_lasot.py']

model = dict(
    head=dict(
        cls_head=dict(
            type='ScoreHead', input_dim=256, hidden_dim=256, output_dim=1, num_layers=3,
            use_bn=False),
        frozen_modules=['transformer', 'bbox_head', 'query_embedding'],
        loss_cls=dict(type='CrossEntropyLoss', use_sigmoid=True)),
    frozen_modules=['backbone', 'neck'],
    test_cfg=dict(update_intervals=[300]))

train_pipeline = [
    dict(
        type='TridentSampling',
        num_search_frames=1,
        num_template_frames=2,
        max_frame_range=[200],
        cls_pos_prob=0.5,
        train_cls_head=True),
    dict(
        type='TransformBroadcaster',
        share_random_params=True,
        transforms=[
            dict(type='LoadImageFromFile'),
            dict(type='GrayAug', prob=0.05),
            dict(type='RandomFlip', prob=0.5, direction='horizontal'),
        ]),
    dict(
        type='SeqBboxJitter',
        center_jitter_factor=[0, 0, 4.5],
        scale_jitter_factor=[0, 0, 0.5],
        crop_size_factor=[2, 2, 5]),
    dict(type='SeqCropLikeStark', crop_size_factor=[2, 2, 5], output_size=[128, 128, 320]),
    dict(
        type='TransformBroadcaster',
        share_random_params=True,
        transforms=[dict(type='BrightnessAug', jitter_range=0.2)]),
    dict(type='CheckPadMaskValidity', stride=16),
    dict(type='PackSOTInputs', num_template_frames=2),
]
data_root = 'data/'
train_dataloader = dict(
    dataset=dict(
        datasets=[
            dict(
                type='GOT10kDataset',
                data_root=data_root,
                ann_file='got10k/annotations/got10k_train_vot_infos.txt',
                data_prefix=dict(img_path='got10k'),
                pipeline=train_pipeline,
                test_mode=False),
            dict(
                type='LaSOTDataset',
                data_root=data_root,
                ann_file='lasot/annotations/lasot_train_infos.txt',
                data_prefix=dict(img_path='lasot/LaSOTBenchmark'),
                pipeline=train_pipeline,
                test_mode=False),
            dict(
                type='TrackingNetDataset',
                data_root=data_root,
                ann_file='trackingnet/annotations/trackingnet_train_infos.txt',
                data_prefix=dict(img_path='trackingnet'),
                pipeline=train_pipeline,
                test_mode=False),
            dict(
                type='SOTCocoDataset',
                data_root=data_root,
                ann_file='coco/annotations/instances_train2017.json',
                data_prefix=dict(img_path='coco/train2017'),
                pipeline=train_pipeline,
                test_mode=False),
        ]))

param_scheduler = dict(type='MultiStepLR', milestones=[40], gamma=0.1, by_epoch=True)
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=50, val_begin=51, val_interval=100)
default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval=10))
# the STARK-ST1 checkpoint (MMTracking: logs/stark_st1_*/epoch_500.pth), given locally
load_from = 'work_dirs/stark_st1_r50_500e_lasot/epoch_500.pth'
