# ReID ResNet-50 on MOT17 person crops (mot2reid.py: 80% of the identities
# for training, 20% for validation), 8 GPUs x 32 crops (8 ids x 4 crops),
# 6 epochs; evaluated by mAP and CMC. Its weights feed DeepSORT, Tracktor,
# StrongSORT, BoT-SORT-ReID and Deep OC-SORT (`model.reid.init_cfg`).
_base_ = [
    '../_base_/models/reid_r50.py', '../_base_/datasets/mot_challenge_reid.py',
    '../_base_/default_runtime.py'
]
# the ReID R50 of the MOT models, trained from the ImageNet ResNet-50
model = dict(
    _base_.pop('reid'),
    data_preprocessor=dict(
        type='ReIDDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    init_cfg=dict(
        type='Pretrained',
        checkpoint=  # noqa: E251
        'checkpoints/resnet50_batch256_imagenet_20200708-cfb998bf.pth'))

optim_wrapper = dict(
    type='OptimWrapper',
    clip_grad=None,
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=0.0001))
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1.0 / 1000,
        by_epoch=False,
        begin=0,
        end=1000),
    dict(
        type='MultiStepLR',
        begin=0,
        end=6,
        by_epoch=True,
        milestones=[5],
        gamma=0.1)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=6, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
