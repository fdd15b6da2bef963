# Faster R-CNN R-50-FPN pedestrian detector of the MOT models (SORT,
# DeepSORT, Tracktor): MOT17 half-train, 4 epochs, 8 GPUs x 2 images,
# evaluated on MOT17 half-val. Started from MMDetection's COCO Faster R-CNN
# (download it once, then it is read locally):
#   http://download.openmmlab.com/mmdetection/v2.0/faster_rcnn/faster_rcnn_r50_fpn_2x_coco/faster_rcnn_r50_fpn_2x_coco_bbox_mAP-0.384_20200504_210434-a5d8aa15.pth  # noqa: E501
_base_ = [
    '../_base_/models/faster_rcnn_r50_fpn.py',
    '../_base_/datasets/mot_challenge_det.py', '../_base_/default_runtime.py'
]

# Trained as a plain MMDetection detector (MMTracking 0.14's `USE_MMDET`):
# the tracking models' `model.detector` is the whole model here.
_base_.model = _base_.model.detector
model = dict(
    data_preprocessor=dict(
        type='DetDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_size_divisor=32),
    # the whole detector is initialised from the COCO checkpoint below
    backbone=dict(init_cfg=None),
    rpn_head=dict(
        bbox_coder=dict(clip_border=False),
        loss_bbox=dict(type='SmoothL1Loss', beta=1.0 / 9.0)),
    roi_head=dict(
        bbox_head=dict(
            num_classes=1,
            bbox_coder=dict(clip_border=False),
            loss_bbox=dict(type='SmoothL1Loss'))),
    init_cfg=dict(
        type='Pretrained',
        checkpoint=  # noqa: E251
        'checkpoints/faster_rcnn_r50_fpn_2x_coco_bbox_mAP-0.384_20200504_210434-a5d8aa15.pth'  # noqa: E501
    ))

# training schedule for 4e
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=4, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

# learning rate
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=100),
    dict(
        type='MultiStepLR',
        begin=0,
        end=4,
        by_epoch=True,
        milestones=[3],
        gamma=0.1)
]

# optimizer
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=0.0001))
