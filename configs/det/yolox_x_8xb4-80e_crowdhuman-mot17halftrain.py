# YOLOX-X person detector of ByteTrack/OC-SORT: CrowdHuman train+val and
# MOT17 half-train, 80 epochs, 8 GPUs x 4 images, evaluated on MOT17 half-val.
# Hyper-parameters as MMTracking's yolox_x_8xb4-80e_crowdhuman-mot17halftrain
# (started from the COCO YOLOX-X weights).
_base_ = ['../_base_/models/yolox_x_8x8.py', '../_base_/default_runtime.py']

data_root = 'data/MOT17/'
img_scale = (1440, 800)  # (width, height)
batch_size = 4

# Trained as a plain MMDetection detector (MMTracking 0.14's `USE_MMDET`):
# the tracking models' `model.detector` is the whole model here.
_base_.model = _base_.model.detector
model = dict(
    data_preprocessor=dict(
        type='DetDataPreprocessor',
        pad_size_divisor=32,
        batch_augments=[
            dict(
                type='BatchSyncRandomResize',
                random_size_range=(576, 1024),
                size_divisor=32,
                interval=10)
        ]),
    bbox_head=dict(num_classes=1),
    test_cfg=dict(nms=dict(iou_threshold=0.7)),
    init_cfg=dict(
        type='Pretrained',
        checkpoint=  # noqa: E251
        'checkpoints/yolox_x_8x8_300e_coco_20211126_140254-1ef88d67.pth'))

train_pipeline = [
    dict(
        type='Mosaic',
        img_scale=img_scale,
        pad_val=114.0,
        bbox_clip_border=False),
    dict(
        type='RandomAffine',
        scaling_ratio_range=(0.1, 2),
        border=(-img_scale[0] // 2, -img_scale[1] // 2),
        bbox_clip_border=False),
    dict(
        type='MixUp',
        img_scale=img_scale,
        ratio_range=(0.8, 1.6),
        pad_val=114.0,
        bbox_clip_border=False),
    dict(type='YOLOXHSVRandomAug'),
    dict(type='RandomFlip', prob=0.5),
    dict(
        type='Resize',
        scale=img_scale,
        keep_ratio=True,
        clip_object_border=False),
    dict(type='Pad', size_divisor=32, pad_val=dict(img=(114.0, 114.0, 114.0))),
    dict(type='FilterAnnotations', min_gt_bbox_wh=(1, 1), keep_empty=False),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='Pad', size_divisor=32, pad_val=dict(img=(114.0, 114.0, 114.0))),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor'))
]


def _person_dataset(root, ann_file, img_dir):
    return dict(
        type='CocoDataset',
        data_root=root,
        ann_file=ann_file,
        data_prefix=dict(img_path=img_dir),
        filter_cfg=dict(filter_empty_gt=True, min_size=32),
        metainfo=dict(classes=('pedestrian', )),
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='LoadAnnotations', with_bbox=True),
        ])


train_dataloader = dict(
    batch_size=batch_size,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='MultiImageMixDataset',
        dataset=dict(
            type='ConcatDataset',
            datasets=[
                _person_dataset('data/MOT17',
                                'annotations/half-train_cocoformat.json',
                                'train'),
                _person_dataset('data/crowdhuman',
                                'annotations/crowdhuman_train.json', 'train'),
                _person_dataset('data/crowdhuman',
                                'annotations/crowdhuman_val.json', 'val'),
            ]),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
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
    metric='bbox',
    format_only=False)
test_evaluator = val_evaluator

# optimizer: lr 0.001 per 8 images (8 GPUs x 4 images -> 0.0005 x 8 / 8)
lr = 0.001 / 8 * batch_size
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='SGD', lr=lr, momentum=0.9, weight_decay=5e-4, nesterov=True),
    paramwise_cfg=dict(norm_decay_mult=0., bias_decay_mult=0.))

total_epochs = 80
num_last_epochs = 10
interval = 5

train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=total_epochs, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

param_scheduler = [
    # quadratic warm-up over the first epoch, updated every iteration
    dict(
        type='QuadraticWarmupLR',
        by_epoch=True,
        begin=0,
        end=1,
        convert_to_iter_based=True),
    # cosine from epoch 1 to 70
    dict(
        type='CosineAnnealingLR',
        eta_min=lr * 0.05,
        begin=1,
        T_max=total_epochs - num_last_epochs,
        end=total_epochs - num_last_epochs,
        by_epoch=True,
        convert_to_iter_based=True),
    # constant lr during the last 10 epochs (no Mosaic/MixUp, L1 loss on)
    dict(
        type='ConstantLR',
        by_epoch=True,
        factor=1,
        begin=total_epochs - num_last_epochs,
        end=total_epochs,
    )
]

custom_hooks = [
    dict(
        type='YOLOXModeSwitchHook',
        num_last_epochs=num_last_epochs,
        priority=48),
    dict(type='SyncNormHook', priority=48),
    dict(
        type='EMAHook',
        ema_type='ExpMomentumEMA',
        momentum=0.0001,
        update_buffers=True,
        priority=49)
]
default_hooks = dict(checkpoint=dict(interval=1))
auto_scale_lr = dict(base_batch_size=32)
