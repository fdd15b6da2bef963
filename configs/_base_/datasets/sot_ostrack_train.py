# OSTrack training data: one template (128 x 128, crop factor 2) and one later
# search frame (256 x 256, crop factor 4, jittered: centre 3, scale 0.25) from
# GOT-10k (VOT-permitted train part), LaSOT train, TrackingNet train and COCO,
# equally weighted, 60k samples per epoch (OSTrack's vitb_256_mae_ce_32x4_ep300).
# The 384 configs override the sizes, factors and jitter.

template_size, search_size = 128, 256
template_factor, search_factor = 2.0, 4.0
center_jitter, scale_jitter = 3, 0.25

train_pipeline = [
    # causal sampling: the search frame comes after the template (max gap 200)
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
        center_jitter_factor=[0, center_jitter],
        scale_jitter_factor=[0, scale_jitter],
        crop_size_factor=[template_factor, search_factor]),
    dict(
        type='SeqCropLikeStark',
        crop_size_factor=[template_factor, search_factor],
        output_size=[template_size, search_size]),
    dict(
        type='TransformBroadcaster',
        share_random_params=False,
        transforms=[dict(type='BrightnessAug', jitter_range=0.2)]),
    dict(type='CheckPadMaskValidity', stride=16),
    dict(type='PackSOTInputs', num_template_frames=1),
]

train_dataloader = dict(
    batch_size=32,
    num_workers=10,
    persistent_workers=True,
    sampler=dict(type='QuotaSampler', samples_per_epoch=60000),
    dataset=dict(
        type='RandomSampleConcatDataset',
        dataset_sampling_weights=[1, 1, 1, 1],
        datasets=[
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
