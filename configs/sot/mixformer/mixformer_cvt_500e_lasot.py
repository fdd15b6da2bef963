# MixFormer-CvT (MMTracking 0.14 configs/sot/mixformer/mixformer_cvt_500e_lasot.py):
# CvT-21 (3 stages: 64 / 192 / 384 channels, 1 / 4 / 16 mixed-attention blocks,
# stride 16) over a 128 px template (factor 2), one online template and a
# 320 px search crop (factor 4.55 on LaSOT); corner head + score decoder.
# Test (as 0.14): the best-scored crop (score > 0.5) becomes the online
# template every 200 frames, 2 online templates kept (published LaSOT:
# AUC 69.0, norm. precision 79.6, precision 75.2, with the official
# MixFormer-22k weights). MMTracking shipped no training; the training part
# here follows the MixFormer paper: stage 1 (train_cfg stage=1) learns the
# boxes with L1 (x5) + GIoU (x2) for 500 epochs of 60k samples on GOT-10k +
# LaSOT + TrackingNet + COCO; stage 2 learns the score alone, from a child
# config that sets model.train_cfg=dict(stage=2),
# model.frozen_modules=['backbone', 'head.bbox_head'], TridentSampling's
# train_cls_head=True in the pipeline of every training dataset (each dataset
# holds its own copy, so --cfg-options train_pipeline... does not reach them)
# and load_from=<stage-1 checkpoint>; tests/helpers/mixformer.py
# (tiny_mixformer_stage2_config) builds exactly that.
_base_ = [
    '../../_base_/datasets/lasot.py',
    '../../_base_/datasets/sot_stark_train.py',
    '../../_base_/default_runtime.py',
]

# STARK's training data (_base_/datasets/sot_stark_train.py) with MixFormer's
# search crop factor 4.5 (STARK: 5); templates as STARK's (factor 2, 128 px),
# search 320 px, search centre jitter 4.5 and scale jitter 0.5
train_pipeline = [
    dict(p, crop_size_factor=[2, 2, 4.5])
    if p.type in ('SeqBboxJitter', 'SeqCropLikeStark') else p
    for p in _base_.train_pipeline
]
train_dataloader = dict(
    dataset=dict(
        datasets=[
            dict(d, pipeline=train_pipeline) for d in _base_.train_dataloader.dataset.datasets
        ]))

model = dict(
    type='MixFormer',
    data_preprocessor=dict(
        type='TrackDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    backbone=dict(
        type='ConvVisionTransformer',
        num_stages=3,
        patch_size=[7, 3, 3],
        patch_stride=[4, 2, 2],
        patch_padding=[2, 1, 1],
        dim_embed=[64, 192, 384],
        num_heads=[1, 3, 6],
        depth=[1, 4, 16],
        mlp_channel_ratio=[4, 4, 4],
        attn_drop_rate=[0.0, 0.0, 0.0],
        drop_rate=[0.0, 0.0, 0.0],
        path_drop_probs=[0.0, 0.0, 0.1],
        qkv_bias=[True, True, True],
        qkv_proj_method=['dw_bn', 'dw_bn', 'dw_bn'],
        kernel_qkv=[3, 3, 3],
        padding_kv=[1, 1, 1],
        stride_kv=[2, 2, 2],
        padding_q=[1, 1, 1],
        stride_q=[1, 1, 1],
        norm_cfg=dict(type='BN', requires_grad=False)),
    head=dict(
        type='MixFormerHead',
        bbox_head=dict(
            type='CornerPredictorHead', inplanes=384, channel=384, feat_size=20, stride=16),
        score_head=dict(
            type='MixFormerScoreDecoder',
            pool_size=4,
            feat_size=20,
            stride=16,
            num_heads=6,
            hidden_dim=384,
            num_layers=3),
        loss_bbox=dict(type='L1Loss', loss_weight=5.0),
        loss_iou=dict(type='GIoULoss', loss_weight=2.0),
        loss_cls=dict(type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0)),
    train_cfg=dict(stage=1),
    test_cfg=dict(
        search_factor=4.55,
        search_size=320,
        template_factor=2.0,
        template_size=128,
        update_interval=[200],
        online_size=[2],
        max_score_decay=[1.0]))

# AdamW 1e-4 (backbone x0.1), weight decay 1e-4, gradient norm clipped at 0.1,
# learning rate x0.1 after epoch 400
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-4, weight_decay=1e-4),
    clip_grad=dict(max_norm=0.1, norm_type=2),
    paramwise_cfg=dict(custom_keys=dict(backbone=dict(lr_mult=0.1, decay_mult=1.0))))
param_scheduler = dict(type='MultiStepLR', milestones=[400], gamma=0.1, by_epoch=True)

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=500, val_begin=501, val_interval=100)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    checkpoint=dict(type='CheckpointHook', interval=100))
randomness = dict(seed=1, deterministic=True)
# 8 GPUs x 16
auto_scale_lr = dict(enable=False, base_batch_size=128)
