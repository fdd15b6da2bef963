# PrDiMP training data: three template and three search frames (288 x 288,
# crop factor 5, jittered) from GOT-10k (VOT-permitted train part), LaSOT
# train, TrackingNet train chunks 0-3 and COCO, equally weighted, 60k samples
# per epoch (the values of MMTracking 1.x's PrDiMP config). No top-level
# data_root: the configs inherit this beside a test-set base (lasot.py) that
# defines it, and mmengine refuses a key two bases define.

train_pipeline = [
    dict(type='DiMPSampling', num_search_frames=3, num_template_frames=3, max_frame_range=200),
    dict(
        type='TransformBroadcaster',
        share_random_params=True,
        transforms=[
            dict(type='LoadImageFromFile', to_float32=True),
            dict(type='GrayAug', prob=0.05),
        ]),
    dict(
        type='SeqBboxJitter',
        center_jitter_factor=[3, 3, 3, 4.5, 4.5, 4.5],
        scale_jitter_factor=[0.25, 0.25, 0.25, 0.5, 0.5, 0.5],
        crop_size_factor=[5, 5, 5, 5, 5, 5]),
    dict(
        type='TransformBroadcaster',
        share_random_params=False,
        transforms=[
            dict(type='CropLikeDiMP', crop_size_factor=5, output_size=288),
            dict(type='BrightnessAug', jitter_range=0.2),
        ]),
    dict(type='PackSOTInputs', num_template_frames=3),
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
                chunks_list=[0, 1, 2, 3],
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
