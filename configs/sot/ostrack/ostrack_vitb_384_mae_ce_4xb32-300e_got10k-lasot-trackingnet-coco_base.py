# OSTrack-384 (OSTrack's experiments/ostrack/vitb_384_mae_ce_32x4_ep300.yaml):
# as OSTrack-256 with a 192 x 192 template and a 384 x 384 search region
# (crop factor 5, jitter centre 4.5 / scale 0.5), a 24 x 24 score map.
_base_ = ['./ostrack_vitb_256_mae_ce_4xb32-300e_got10k-lasot-trackingnet-coco_base.py']

template_size, search_size, stride = 192, 384, 16

model = dict(
    backbone=dict(template_size=template_size, search_size=search_size),
    box_head=dict(feat_size=search_size // stride),
    test_cfg=dict(template_size=template_size, search_factor=5.0, search_size=search_size))

train_pipeline = [
    dict(type='DiMPSampling', num_search_frames=1, num_template_frames=1, max_frame_range=200),
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
        center_jitter_factor=[0, 4.5],
        scale_jitter_factor=[0, 0.5],
        crop_size_factor=[2.0, 5.0]),
    dict(
        type='SeqCropLikeStark',
        crop_size_factor=[2.0, 5.0],
        output_size=[template_size, search_size]),
    dict(
        type='TransformBroadcaster',
        share_random_params=False,
        transforms=[dict(type='BrightnessAug', jitter_range=0.2)]),
    dict(type='CheckPadMaskValidity', stride=stride),
    dict(type='PackSOTInputs', num_template_frames=1),
]
train_dataloader = dict(
    dataset=dict(datasets=[
        dict(
            type='GOT10kDataset',
            data_root='data/',
            ann_file='got10k/annotations/got10k_train_vot_infos.txt',
            data_prefix=dict(img_path='got10k'),
            pipeline=train_pipeline,
            test_mode=False),
        dict(
            type='LaSOTDataset',
            data_root='data/',
            ann_file='lasot/annotations/lasot_train_infos.txt',
            data_prefix=dict(img_path='lasot/LaSOTBenchmark'),
            pipeline=train_pipeline,
            test_mode=False),
        dict(
            type='TrackingNetDataset',
            data_root='data/',
            ann_file='trackingnet/annotations/trackingnet_train_infos.txt',
            data_prefix=dict(img_path='trackingnet'),
            pipeline=train_pipeline,
            test_mode=False),
        dict(
            type='SOTCocoDataset',
            data_root='data/',
            ann_file='coco/annotations/instances_train2017.json',
            data_prefix=dict(img_path='coco/train2017'),
            pipeline=train_pipeline,
            test_mode=False),
    ]))
