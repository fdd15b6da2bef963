# Mask2Former-VIS at tiny width (quarter-width ResNet-18, 32-channel pixel
# decoder and queries, 10 queries, 3 decoder layers) trained from scratch on
# the project's synthetic YouTube-VIS videos (three classes told apart by
# shape: person tall rectangles, duck ellipses, cat wide rectangles),
# converted to CocoVID by youtubevis2coco.py. CPU-sized: the proof of
# learning. Same structure as mask2former_r50_8xb2-8e_youtubevis2019.py
# (MMTracking 1.x); only the sizes, the number of sampled points, the scale
# jitter and the schedule differ.
#   mmtrack.datasets.synthetic.generate_vis_videos(...) then
#   python tools/dataset_converters/youtubevis/youtubevis2coco.py -i ROOT \
#       -o ROOT/annotations --version 2019
_base_ = ['../../_base_/default_runtime.py']

classes = ('person', 'duck', 'cat')
num_classes = 3
num_frames = 2
data_root = 'data/synthetic_vis/'
# held-out videos (another seed), written with split 'train' so that the
# converter keeps their annotations (the metric needs them)
val_data_root = 'data/synthetic_vis_val/'
width = 32

model = dict(
    type='Mask2Former',
    data_preprocessor=dict(
        type='TrackDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_mask=True,
        pad_size_divisor=32),
    backbone=dict(
        type='ResNet',
        depth=18,
        base_channels=16,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        frozen_stages=-1,
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=False,
        style='pytorch',
        init_cfg=None),
    track_head=dict(
        type='Mask2FormerHead',
        in_channels=[16, 32, 64, 128],
        strides=[4, 8, 16, 32],
        feat_channels=width,
        out_channels=width,
        num_classes=num_classes,
        num_queries=10,
        num_frames=num_frames,
        num_transformer_feat_level=3,
        pixel_decoder=dict(
            type='MSDeformAttnPixelDecoder',
            num_outs=3,
            norm_cfg=dict(type='GN', num_groups=8),
            act_cfg=dict(type='ReLU'),
            encoder=dict(
                num_layers=2,
                layer_cfg=dict(
                    self_attn_cfg=dict(
                        embed_dims=width,
                        num_heads=4,
                        num_levels=3,
                        num_points=4,
                        dropout=0.0,
                        batch_first=True),
                    ffn_cfg=dict(
                        embed_dims=width,
                        feedforward_channels=64,
                        num_fcs=2,
                        ffn_drop=0.0,
                        act_cfg=dict(type='ReLU', inplace=True)))),
            positional_encoding=dict(num_feats=width // 2, normalize=True)),
        enforce_decoder_input_project=False,
        positional_encoding=dict(
            type='SinePositionalEncoding3D', num_feats=width // 2,
            normalize=True),
        transformer_decoder=dict(
            return_intermediate=True,
            num_layers=3,
            layer_cfg=dict(
                self_attn_cfg=dict(
                    embed_dims=width, num_heads=4, dropout=0.0,
                    batch_first=True),
                cross_attn_cfg=dict(
                    embed_dims=width, num_heads=4, dropout=0.0,
                    batch_first=True),
                ffn_cfg=dict(
                    embed_dims=width,
                    feedforward_channels=64,
                    num_fcs=2,
                    ffn_drop=0.0,
                    act_cfg=dict(type='ReLU', inplace=True))),
            init_cfg=None),
        loss_cls=dict(
            type='CrossEntropyLoss',
            use_sigmoid=False,
            loss_weight=2.0,
            reduction='mean',
            class_weight=[1.0] * num_classes + [0.1]),
        loss_mask=dict(
            type='CrossEntropyLoss',
            use_sigmoid=True,
            reduction='mean',
            loss_weight=5.0),
        loss_dice=dict(
            type='DiceLoss',
            use_sigmoid=True,
            activate=True,
            reduction='mean',
            naive_dice=True,
            eps=1.0,
            loss_weight=5.0),
        train_cfg=dict(
            num_points=1024,
            oversample_ratio=3.0,
            importance_sample_ratio=0.75,
            assigner=dict(
                type='HungarianAssigner',
                match_costs=[
                    dict(type='ClassificationCost', weight=2.0),
                    dict(
                        type='CrossEntropyLossCost',
                        weight=5.0,
                        use_sigmoid=True),
                    dict(type='DiceCost', weight=5.0, pred_act=True, eps=1.0)
                ]),
            sampler=dict(type='MaskPseudoSampler')),
        test_cfg=dict(max_per_image=10)))

train_pipeline = [
    dict(
        type='TransformBroadcaster',
        share_random_params=True,
        transforms=[
            dict(type='LoadImageFromFile'),
            dict(type='LoadTrackAnnotations', with_mask=True),
            # scale jitter: without it the tiny model fits its few training
            # videos and scores about half the held-out AP
            dict(
                type='RandomResize',
                scale=(128, 96),
                ratio_range=(0.75, 1.25),
                keep_ratio=True),
            dict(type='RandomFlip', prob=0.5),
        ]),
    dict(type='PackTrackInputs'),
]
test_pipeline = [
    dict(
        type='TransformBroadcaster',
        transforms=[dict(type='LoadImageFromFile')]),
    dict(type='PackTrackInputs'),
]
# clips of num_frames = 2 frames: a key frame and one reference frame within
# 4 frames of it (MMTracking 1.x: frame_range 5)
train_dataloader = dict(
    batch_size=2,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='TrackImgSampler'),
    dataset=dict(
        type='YouTubeVISDataset',
        dataset_version='2019',
        data_root=data_root,
        ann_file='annotations/youtube_vis_2019_train.json',
        data_prefix=dict(img_path='train/JPEGImages'),
        metainfo=dict(classes=classes),
        filter_cfg=dict(filter_empty_gt=True, min_size=32),
        pipeline=train_pipeline,
        load_as_video=True,
        ref_img_sampler=dict(
            num_ref_imgs=num_frames - 1,
            frame_range=4,
            filter_key_img=True,
            method='uniform')))
# one batch per video: all its frames are decoded together (MMTracking 1.x)
val_dataloader = dict(
    batch_size=1,
    num_workers=0,
    persistent_workers=False,
    drop_last=False,
    sampler=dict(type='VideoSampler'),
    batch_sampler=dict(type='EntireVideoBatchSampler'),
    dataset=dict(
        type='YouTubeVISDataset',
        dataset_version='2019',
        data_root=val_data_root,
        ann_file='annotations/youtube_vis_2019_train.json',
        data_prefix=dict(img_path='train/JPEGImages'),
        metainfo=dict(classes=classes),
        pipeline=test_pipeline,
        load_as_video=True,
        ref_img_sampler=None,
        test_mode=True))
test_dataloader = val_dataloader
val_evaluator = dict(type='YouTubeVISMetric', metric='youtube_vis_ap')
test_evaluator = val_evaluator

max_epochs = 4
lr = 0.001
embed_multi = dict(lr_mult=1.0, decay_mult=0.0)
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=lr, weight_decay=0.05, eps=1e-8, betas=(0.9, 0.999)),
    paramwise_cfg=dict(
        custom_keys={
            'query_embed': embed_multi,
            'query_feat': embed_multi,
            'level_embed': embed_multi,
        },
        norm_decay_mult=0.0),
    clip_grad=dict(max_norm=1.0, norm_type=2))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=20),
    dict(
        type='CosineAnnealingLR',
        eta_min=lr * 0.05,
        begin=0,
        T_max=max_epochs,
        end=max_epochs,
        by_epoch=True,
        convert_to_iter_based=True)
]
train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=max_epochs)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=10),
    checkpoint=dict(type='CheckpointHook', interval=max_epochs))
log_processor = dict(window_size=10)
