# ByteTrack on the MOT20 test set (private detections): YOLOX-X at
# 1600 x 896 trained on CrowdHuman + MOT20 train; MOT20 tracker settings.
_base_ = ['./bytetrack_yolox_x_crowdhuman_mot17-private-half.py']

img_scale = (1600, 896)  # (width, height)

model = dict(
    data_preprocessor=dict(batch_augments=[
        dict(
            type='BatchSyncRandomResize',
            random_size_range=(640, 1152),
            size_divisor=32,
            interval=10)
    ]),
    tracker=dict(
        weight_iou_with_det_scores=False, match_iou_thrs=dict(high=0.3)))

train_pipeline = [
    dict(type='Mosaic', img_scale=img_scale, pad_val=114.0),
    dict(
        type='RandomAffine',
        scaling_ratio_range=(0.1, 2),
        border=(-img_scale[0] // 2, -img_scale[1] // 2)),
    dict(
        type='MixUp',
        img_scale=img_scale,
        ratio_range=(0.8, 1.6),
        pad_val=114.0),
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

# training set: CrowdHuman + MOT20 train
_base_.train_dataloader.dataset.dataset.datasets[0].update(
    data_root='data/MOT20', ann_file='annotations/train_cocoformat.json')
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(
        data_root='data/MOT17/',
        ann_file='annotations/train_cocoformat.json',
        data_prefix=dict(img_path='train'),
        pipeline=test_pipeline))
test_dataloader = dict(
    dataset=dict(
        data_root='data/MOT20/',
        ann_file='annotations/test_cocoformat.json',
        data_prefix=dict(img_path='test'),
        pipeline=test_pipeline))
val_evaluator = dict(gt_file='gt/gt.txt')
test_evaluator = dict(
    format_only=True,
    outfile_prefix='./mot_20_test_res',
    benchmark='MOT20',
    gt_file='gt/gt.txt')
