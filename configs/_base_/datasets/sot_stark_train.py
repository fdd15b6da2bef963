# STARK training data: two templates (128 x 128, crop factor 2) and one search
# frame (320 x 320, crop factor 5, jittered) from GOT-10k (VOT-permitted train
# part), LaSOT train, TrackingNet train and COCO, equally weighted, 60k samples
# per epoch. No top-level data_root: the configs inherit this beside a test-set
# base (lasot.py) that defines it, and mmengine refuses a key two bases define.

train_pipeline = [
    dict(
        type='TridentSampling',
        num_search_frames=1,
        num_template_frames=2,
        max_frame_range=[200],
        cls_pos_prob=0.5,
        train_cls_head=False),
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

train_dataloader = dict(
    batch_size=16,
    num_workers=4,
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
