# ByteTrack with a YOLOX-nano detector trained from scratch on the project's
# synthetic MOT videos: the offline demo model (CPU-sized, no pretrained
# weights, no download). The detector trains through the MOT model on single
# frames (loss mode), as MMDetection 3.x's ByteTrack; the tracker has no
# parameters.
#
# Data (one class, 'pedestrian'; 160 x 256 frames):
#   python tools/dataset_converters/make_synthetic_videos.py --task mot \
#       --out data/synthetic_mot --num-seqs 4 --num-frames 40
#   python tools/dataset_converters/mot/mot2coco.py -i data/synthetic_mot \
#       -o data/synthetic_mot/annotations --split-train
# Train, then track and score the half-val frames (HOTA/MOTA/IDF1):
#   python tools/train.py configs/mot/bytetrack/bytetrack_yolox-nano_synthetic.py
#   python tools/test.py configs/mot/bytetrack/bytetrack_yolox-nano_synthetic.py \
#       --checkpoint work_dirs/bytetrack_yolox-nano_synthetic/epoch_8.pth
_base_ = [
    '../../_base_/datasets/mot_challenge.py', '../../_base_/default_runtime.py'
]

data_root = 'data/synthetic_mot/'
img_scale = (256, 160)  # (width, height): the frames' own size
batch_size = 8

model = dict(
    type='ByteTrack',
    data_preprocessor=dict(
        type='TrackDataPreprocessor',
        use_det_processor=True,
        pad_size_divisor=32,
        batch_augments=[
            dict(
                type='BatchSyncRandomResize',
                random_size_range=(128, 192),
                size_divisor=32,
                interval=10)
        ]),
    detector=dict(
        type='YOLOX',
        backbone=dict(
            type='CSPDarknet',
            deepen_factor=0.33,
            widen_factor=0.25,
            use_depthwise=True),
        neck=dict(
            type='YOLOXPAFPN',
            in_channels=[64, 128, 256],
            out_channels=64,
            num_csp_blocks=1,
            use_depthwise=True),
        bbox_head=dict(
            type='YOLOXHead',
            num_classes=1,
            in_channels=64,
            feat_channels=64,
            use_depthwise=True),
        train_cfg=dict(
            assigner=dict(type='SimOTAAssigner', center_radius=2.5)),
        # ByteTrack keeps low-score boxes for its second association
        test_cfg=dict(score_thr=0.01, nms=dict(type='nms', iou_threshold=0.7))),
    motion=dict(type='KalmanFilter'),
    tracker=dict(
        type='ByteTracker',
        obj_score_thrs=dict(high=0.6, low=0.1),
        init_track_thr=0.7,
        weight_iou_with_det_scores=True,
        match_iou_thrs=dict(high=0.1, low=0.5, tentative=0.3),
        num_frames_retain=30))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='YOLOXHSVRandomAug'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='Pad', size_divisor=32, pad_val=dict(img=(114.0, 114.0, 114.0))),
    dict(type='FilterAnnotations', min_gt_bbox_wh=(1, 1), keep_empty=False),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(
        type='TransformBroadcaster',
        transforms=[
            dict(type='LoadImageFromFile'),
            dict(type='LoadTrackAnnotations'),
            dict(type='Resize', scale=img_scale, keep_ratio=True),
            dict(
                type='Pad',
                size_divisor=32,
                pad_val=dict(img=(114.0, 114.0, 114.0))),
        ]),
    dict(type='PackTrackInputs')
]

train_dataloader = dict(
    _delete_=True,
    batch_size=batch_size,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='CocoDataset',
        data_root=data_root,
        ann_file='annotations/half-train_cocoformat.json',
        data_prefix=dict(img_path='train'),
        filter_cfg=dict(filter_empty_gt=True, min_size=32),
        metainfo=dict(classes=('pedestrian', )),
        pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        data_root=data_root,
        ann_file='annotations/half-val_cocoformat.json',
        data_prefix=dict(img_path='train'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader

# half-val frames are scored against the half-val part of gt.txt
val_evaluator = dict(
    type='MOTChallengeMetric',
    metric=['HOTA', 'CLEAR', 'Identity'],
    gt_file='gt/gt_half-val.txt')
test_evaluator = val_evaluator

# from scratch on CPU (as configs/det/yolox_tiny_synthetic.py): AdamW with a
# short warm-up and cosine decay; the last 2 epochs switch off the L1 loss
# schedule of YOLOX's mode switch.
max_epochs = 8
num_last_epochs = 2
lr = 0.004
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=lr, weight_decay=0.05),
    paramwise_cfg=dict(norm_decay_mult=0., bias_decay_mult=0.))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.05, by_epoch=False, begin=0, end=30),
    dict(
        type='CosineAnnealingLR',
        eta_min=lr * 0.05,
        begin=1,
        T_max=max_epochs - num_last_epochs,
        end=max_epochs - num_last_epochs,
        by_epoch=True,
        convert_to_iter_based=True),
    dict(
        type='ConstantLR',
        by_epoch=True,
        factor=1,
        begin=max_epochs - num_last_epochs,
        end=max_epochs)
]
train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=max_epochs)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

custom_hooks = [
    dict(
        type='YOLOXModeSwitchHook',
        num_last_epochs=num_last_epochs,
        priority=48),
    dict(type='SyncNormHook', priority=48),
]
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=10),
    checkpoint=dict(type='CheckpointHook', interval=max_epochs))
