# SORT (ICIP 2016): Faster R-CNN R50-FPN trained on MOT17 half-train (4
# epochs), Kalman filter + IoU Hungarian matching; MOT17 half-val, private
# detections. The detector trains through the MOT model (loss mode).
_base_ = [
    '../../_base_/models/faster_rcnn_r50_fpn.py',
    '../../_base_/datasets/mot_challenge.py', '../../_base_/default_runtime.py'
]
model = dict(
    type='DeepSORT',
    data_preprocessor=dict(
        type='TrackDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_size_divisor=32),
    detector=dict(
        rpn_head=dict(bbox_coder=dict(clip_border=False)),
        roi_head=dict(
            bbox_head=dict(bbox_coder=dict(clip_border=False), num_classes=1)),
        init_cfg=dict(
            type='Pretrained',
            checkpoint=  # noqa: E251
            'checkpoints/faster-rcnn_r50_fpn_4e_mot17-half-64ee2ed4.pth')),
    motion=dict(type='KalmanFilter', center_only=False),
    tracker=dict(
        type='SORTTracker', obj_score_thr=0.5, match_iou_thr=0.5, reid=None))

# half-val frames against the half-val part of gt.txt (mot2coco.py --split-train)
val_evaluator = dict(gt_file='gt/gt_half-val.txt')
test_evaluator = val_evaluator

# detector training: SGD, 4 epochs, step at epoch 3 (MMTracking 0.14)
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=0.0001),
    clip_grad=None)
param_scheduler = [
    dict(
        type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=100),
    dict(
        type='MultiStepLR',
        begin=0,
        end=4,
        by_epoch=True,
        milestones=[3],
        gamma=0.1)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=4, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
