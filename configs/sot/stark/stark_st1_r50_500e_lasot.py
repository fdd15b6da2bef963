# STARK-ST1 (MMTracking 0.14 configs/sot/stark/stark_st1_r50_500e_lasot.py):
# ResNet-50 to layer3 + 1x1 ChannelMapper to 256, a 6 + 6 layer DETR
# transformer over two 128 px templates (factor 2) and a 320 px search crop
# (factor 5), one query, corner head; L1 (x5) + GIoU (x2). Trained 500 epochs
# of 60k samples on GOT-10k (VOT-permitted part) + LaSOT + TrackingNet + COCO;
# tested on LaSOT (published: AUC 67.0, norm. precision 77.3, precision 71.7).
_base_ = [
    '../../_base_/datasets/lasot.py',
    '../../_base_/datasets/sot_stark_train.py',
    '../../_base_/default_runtime.py',
]

embed_dims = 256


def _layer(operation_order, num_attn):
    return dict(
        type='BaseTransformerLayer',
        attn_cfgs=[
            dict(
                type='MultiheadAttention',
                embed_dims=embed_dims,
                num_heads=8,
                attn_drop=0.1,
                dropout_layer=dict(type='Dropout', drop_prob=0.1))
        ] * num_attn,
        ffn_cfgs=dict(feedforward_channels=2048, embed_dims=embed_dims, ffn_drop=0.1),
        operation_order=operation_order)


model = dict(
    type='Stark',
    data_preprocessor=dict(
        type='TrackDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    backbone=dict(
        type='ResNet',
        depth=50,
        num_stages=3,
        strides=(1, 2, 2),
        dilations=[1, 1, 1],
        out_indices=[2],
        frozen_stages=1,
        norm_eval=True,
        norm_cfg=dict(type='BN', requires_grad=False),
        # torchvision://resnet50, given locally
        init_cfg=dict(type='Pretrained', checkpoint='pretrained/resnet50-0676ba61.pth')),
    neck=dict(
        type='ChannelMapper', in_channels=[1024], out_channels=embed_dims, kernel_size=1,
        act_cfg=None),
    head=dict(
        type='StarkHead',
        num_query=1,
        transformer=dict(
            type='StarkTransformer',
            encoder=dict(
                type='DetrTransformerEncoder',
                num_layers=6,
                transformerlayers=_layer(('self_attn', 'norm', 'ffn', 'norm'), 1)),
            decoder=dict(
                type='DetrTransformerDecoder',
                return_intermediate=False,
                num_layers=6,
                transformerlayers=_layer(
                    ('self_attn', 'norm', 'cross_attn', 'norm', 'ffn', 'norm'), 2))),
        positional_encoding=dict(
            type='SinePositionalEncoding', num_feats=embed_dims // 2, normalize=True),
        bbox_head=dict(
            type='CornerPredictorHead', inplanes=embed_dims, channel=embed_dims, feat_size=20,
            stride=16),
        loss_bbox=dict(type='L1Loss', loss_weight=5.0),
        loss_iou=dict(type='GIoULoss', loss_weight=2.0)),
    test_cfg=dict(
        search_factor=5.0,
        search_size=320,
        template_factor=2.0,
        template_size=128,
        update_intervals=[200]))

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
