# QDTrack trained on CrowdHuman (each image its own reference frame) and
# MOT17 half-train; MOT17 half-val.
_base_ = ['./qdtrack_faster-rcnn_r50_fpn_4e_mot17-private-half.py']

train_pipeline = [
    dict(
        type='TransformBroadcaster',
        share_random_params=True,
        transforms=[
            dict(type='LoadImageFromFile'),
            dict(type='LoadTrackAnnotations'),
            dict(
                type='RandomResize',
                scale=(1088, 1088),
                ratio_range=(0.8, 1.2),
                keep_ratio=True,
                clip_object_border=False),
            dict(type='PhotoMetricDistortion'),
        ]),
    dict(
        type='TransformBroadcaster',
        share_random_params=False,
        transforms=[
            dict(
                type='RandomCrop',
                crop_size=(1088, 1088),
                bbox_clip_border=False),
        ]),
    dict(
        type='TransformBroadcaster',
        share_random_params=True,
        transforms=[dict(type='RandomFlip', prob=0.5)]),
    dict(type='PackTrackInputs'),
]
mot_cfg = dict(
    type='MOTChallengeDataset',
    data_root='data/MOT17/',
    visibility_thr=-1,
    ann_file='annotations/half-train_cocoformat.json',
    data_prefix=dict(img_path='train'),
    metainfo=dict(classes=('pedestrian', )),
    ref_img_sampler=dict(
        num_ref_imgs=1, frame_range=10, filter_key_img=True,
        method='uniform'),
    pipeline=train_pipeline)
crowdhuman_cfg = dict(
    type='BaseVideoDataset',
    data_root='data/crowdhuman/',
    load_as_video=False,
    ann_file='annotations/crowdhuman_train.json',
    data_prefix=dict(img_path='train'),
    metainfo=dict(classes=('pedestrian', )),
    ref_img_sampler=dict(num_ref_imgs=1, frame_range=0, method='uniform'),
    pipeline=train_pipeline)
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='ConcatDataset',
        datasets=[mot_cfg, crowdhuman_cfg]))
