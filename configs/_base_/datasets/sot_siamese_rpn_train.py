# SiamRPN++ training data: template/search pairs from ImageNet VID, COCO and
# ImageNet DET drawn with weights 0.25 / 0.2 / 0.55, 600k pairs per epoch.
# Template: 127 x 127 exemplar, search: 255 x 255, both cut from a 511 x 511
# SiamFC crop (context amount 0.5). No top-level data_root: a model config
# combines this file with a test data set file, which has one.
exemplar_size = 127
search_size = 255
crop_size = 511

train_pipeline = [
    dict(type='PairSampling', frame_range=100, pos_prob=0.8, filter_template_img=False),
    dict(
        type='TransformBroadcaster',
        share_random_params=False,
        transforms=[
            dict(type='LoadImageFromFile'),
            dict(
                type='CropLikeSiamFC',
                context_amount=0.5,
                exemplar_size=exemplar_size,
                crop_size=crop_size),
        ]),
    dict(
        type='SeqShiftScaleAug',
        target_size=[exemplar_size, search_size],
        shift=[4, 64],
        scale=[0.05, 0.18]),
    dict(type='SeqColorAug', prob=[1.0, 1.0]),
    dict(type='SeqBlurAug', prob=[0.0, 0.2]),
    dict(type='PackSOTInputs', num_template_frames=1),
]

train_dataloader = dict(
    batch_size=28,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='QuotaSampler', samples_per_epoch=600000),
    dataset=dict(
        type='RandomSampleConcatDataset',
        dataset_sampling_weights=[0.25, 0.2, 0.55],
        datasets=[
            dict(
                type='SOTImageNetVIDDataset',
                data_root='data/',
                ann_file='ILSVRC/annotations/imagenet_vid_train.json',
                data_prefix=dict(img_path='ILSVRC/Data/VID'),
                pipeline=train_pipeline,
                test_mode=False),
            dict(
                type='SOTCocoDataset',
                data_root='data/',
                ann_file='coco/annotations/instances_train2017.json',
                data_prefix=dict(img_path='coco/train2017'),
                pipeline=train_pipeline,
                test_mode=False),
            dict(
                type='SOTCocoDataset',
                data_root='data/',
                ann_file='ILSVRC/annotations/imagenet_det_30plus1cls.json',
                data_prefix=dict(img_path='ILSVRC/Data/DET'),
                pipeline=train_pipeline,
                test_mode=False),
        ]))
