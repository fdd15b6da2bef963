# OSTrack-256 (OSTrack's experiments/ostrack/vitb_256_mae_ce_32x4_ep300.yaml):
# ViT-B/16 initialised from MAE, candidate elimination at blocks 3, 6, 9 with
# keep ratio 0.7 (centre template token votes), centre head; trained on
# GOT-10k (VOT-permitted) + LaSOT + TrackingNet + COCO, 60k pairs per epoch,
# 32 per GPU x 4 GPUs, 300 epochs. Validated on LaSOT test.
_base_ = [
    '../../_base_/datasets/sot_ostrack_train.py',
    '../../_base_/datasets/lasot.py',
    '../../_base_/default_runtime.py',
]

template_size, search_size, stride = 128, 256, 16

model = dict(
    type='OSTrack',
    data_preprocessor=dict(
        type='TrackDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    backbone=dict(
        type='VisionTransformerCE',
        template_size=template_size,
        search_size=search_size,
        patch_size=stride,
        embed_dims=768,
        depth=12,
        num_heads=12,
        mlp_ratio=4,
        drop_path_rate=0.1,
        ce_loc=[3, 6, 9],
        ce_keep_ratio=[0.7, 0.7, 0.7],
        ce_template_range='CTR_POINT',
        # https://dl.fbaipublicfiles.com/mae/pretrain/mae_pretrain_vit_base.pth, given locally
        init_cfg=dict(type='Pretrained', checkpoint='pretrained/mae_pretrain_vit_base.pth')),
    box_head=dict(
        type='CenterHead',
        in_channels=768,
        feat_channels=256,
        feat_size=search_size // stride,
        loss_cls=dict(type='GaussianFocalLoss', alpha=2.0, gamma=4.0, loss_weight=1.0),
        loss_bbox=dict(type='GIoULoss', loss_weight=2.0),
        loss_l1=dict(type='L1Loss', loss_weight=5.0)),
    test_cfg=dict(
        template_factor=2.0,
        template_size=template_size,
        search_factor=4.0,
        search_size=search_size,
        window=True,
        clip_margin=10))

# AdamW 4e-4 (backbone x0.1), weight decay 1e-4, gradient norm clipped at 0.1;
# learning rate x0.1 after epoch 240.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=4e-4, weight_decay=1e-4),
    clip_grad=dict(max_norm=0.1, norm_type=2),
    paramwise_cfg=dict(custom_keys=dict(backbone=dict(lr_mult=0.1))))
param_scheduler = dict(type='MultiStepLR', milestones=[240], gamma=0.1, by_epoch=True)

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=300, val_begin=301, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

# keep rate of the CE blocks: 1 until epoch 20, cosine to 0.7 by epoch 100
custom_hooks = [dict(type='CEKeepRateHook', start_epoch=20, warm_epochs=80)]
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    checkpoint=dict(type='CheckpointHook', interval=20, max_keep_ckpts=5))
# base learning rate of the 4 x 32 recipe
auto_scale_lr = dict(enable=False, base_batch_size=128)
