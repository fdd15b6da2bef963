# The project's synthetic MOT videos as still images, for training a
# pedestrian detector on CPU (one class, 'pedestrian'; 160 x 256 frames),
# written by:
#   python tools/dataset_converters/make_synthetic_videos.py --task mot \
#       --out data/synthetic_mot --num-seqs 4 --num-frames 40
#   python tools/dataset_converters/mot/mot2coco.py -i data/synthetic_mot \
#       -o data/synthetic_mot/annotations --split-train
data_root = 'data/synthetic_mot/'
img_scale = (256, 160)  # (width, height)

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor'))
]

train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='CocoDataset',
        data_root=data_root,
        ann_file='annotations/half-train_cocoformat.json',
        data_prefix=dict(img_path='train'),
        filter_cfg=dict(filter_empty_gt=True, min_size=8),
        metainfo=dict(classes=('pedestrian', )),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=4,
    num_workers=0,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='CocoDataset',
        data_root=data_root,
        ann_file='annotations/half-val_cocoformat.json',
        data_prefix=dict(img_path='train'),
        metainfo=dict(classes=('pedestrian', )),
        test_mode=True,
        pipeline=test_pipeline))
test_dataloader = val_dataloader

val_evaluator = dict(
    type='CocoVideoMetric',
    ann_file=data_root + 'annotations/half-val_cocoformat.json',
    metric='bbox')
test_evaluator = val_evaluator
