# MaskTrack R-CNN on a tiny Mask R-CNN (quarter-width R-18-FPN, 32-channel
# features) trained from scratch on the project's synthetic YouTube-VIS
# videos (three classes told apart by shape: person tall rectangles, duck
# ellipses, cat wide rectangles), converted to CocoVID by youtubevis2coco.py.
# CPU-sized: the proof of learning and the offline VIS demo model.
#   mmtrack.datasets.synthetic.generate_vis_videos(...) then
#   python tools/dataset_converters/youtubevis/youtubevis2coco.py -i ROOT \
#       -o ROOT/annotations --version 2019
# The detector is the Mask R-CNN of _base_/models/mask_rcnn_r50_fpn.py with
# only the sizes changed (depth, widths, classes, sampler and proposal
# counts); match_low_quality is the assigners' default either way.
_base_ = [
    '../../_base_/models/mask_rcnn_r50_fpn.py', '../../_base_/default_runtime.py'
]

classes = ('person', 'duck', 'cat')
data_root = 'data/synthetic_vis/'
# held-out videos (another seed), written with split 'train' so that the
# converter keeps their annotations (the metric needs them)
val_data_root = 'data/synthetic_vis_val/'

model = dict(
    type='MaskTrackRCNN',
    data_preprocessor=dict(
        type='TrackDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_size_divisor=32,
        pad_mask=True),
    detector=dict(
        backbone=dict(
            depth=18,
            base_channels=16,
            frozen_stages=-1,
            norm_eval=False,
            init_cfg=None),
        neck=dict(in_channels=[16, 32, 64, 128], out_channels=32),
        rpn_head=dict(
            in_channels=32,
            feat_channels=32,
            anchor_generator=dict(scales=[4])),
        roi_head=dict(
            bbox_roi_extractor=dict(out_channels=32),
            bbox_head=dict(in_channels=32, fc_out_channels=128, num_classes=3),
            mask_roi_extractor=dict(out_channels=32),
            mask_head=dict(
                num_convs=2,
                in_channels=32,
                conv_out_channels=32,
                num_classes=3)),
        train_cfg=dict(
            rpn=dict(sampler=dict(num=128)),
            rpn_proposal=dict(nms_pre=1000, max_per_img=100),
            rcnn=dict(sampler=dict(num=64))),
        test_cfg=dict(
            rpn=dict(max_per_img=50),
            rcnn=dict(score_thr=0.3, max_per_img=10))),
    track_head=dict(
        type='RoITrackHead',
        roi_extractor=dict(
            type='SingleRoIExtractor',
            roi_layer=dict(type='RoIAlign', output_size=7, sampling_ratio=0),
            out_channels=32,
            featmap_strides=[4, 8, 16, 32]),
        embed_head=dict(
            type='RoIEmbedHead',
            num_fcs=2,
            roi_feat_size=7,
            in_channels=32,
            fc_out_channels=64,
            # at this width the raw dot-product logits start large and the
            # match loss's gradients (grad norm ~300) would dominate the
            # clipped update of the detector: weight 0.1
            loss_match=dict(
                type='CrossEntropyLoss', use_sigmoid=False, loss_weight=0.1)),
        train_cfg=dict(
            assigner=dict(
                type='MaxIoUAssigner',
                pos_iou_thr=0.5,
                neg_iou_thr=0.5,
                min_pos_iou=0.5,
                match_low_quality=True,
                ignore_iof_thr=-1),
            sampler=dict(
                type='RandomSampler',
                num=64,
                pos_fraction=0.25,
                neg_pos_ub=-1,
                add_gt_as_proposals=True),
            pos_weight=-1,
            debug=False)),
    tracker=dict(
        type='MaskTrackRCNNTracker',
        match_weights=dict(det_score=1.0, iou=2.0, det_label=10.0),
        num_frames_retain=20))

train_pipeline = [
    dict(
        type='TransformBroadcaster',
        share_random_params=True,
        transforms=[
            dict(type='LoadImageFromFile'),
            dict(type='LoadTrackAnnotations', with_mask=True),
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
train_dataloader = dict(
    batch_size=1,
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
            num_ref_imgs=1,
            frame_range=4,
            filter_key_img=True,
            method='uniform')))
val_dataloader = dict(
    batch_size=1,
    num_workers=0,
    persistent_workers=False,
    drop_last=False,
    sampler=dict(type='VideoSampler'),
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
lr = 0.003
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=lr, weight_decay=0.05),
    paramwise_cfg=dict(norm_decay_mult=0., bias_decay_mult=0.),
    clip_grad=dict(max_norm=10, norm_type=2))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.05, by_epoch=False, begin=0, end=30),
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
