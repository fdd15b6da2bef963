# StrongSORT++ on the MOT20 test set: the MOT20 YOLOX-X detector, the
# StrongSORT tracker, AFLink + GSI (the MOTChallenge link model, as in
# MMTracking 1.x); results written for the MOTChallenge server.
_base_ = ['./strongsort_yolox_x_crowdhuman_mot17-private-half.py']

img_scale = (1600, 896)  # (width, height)

model = dict(
    detector=dict(
        init_cfg=dict(
            type='Pretrained',
            checkpoint=  # noqa: E251
            'checkpoints/yolox_x_crowdhuman_mot20-private_20220812_192123-77c014de.pth'  # noqa: E501
        )),
    reid=dict(
        head=dict(num_classes=1701),
        init_cfg=dict(
            type='Pretrained',
            checkpoint='checkpoints/reid_r50_6e_mot20_20210803_212426-c83b1c01.pth')))

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
val_dataloader = dict(
    dataset=dict(
        data_root='data/MOT20/',
        ann_file='annotations/train_cocoformat.json',
        pipeline=test_pipeline))
test_dataloader = dict(
    dataset=dict(
        data_root='data/MOT20/',
        ann_file='annotations/test_cocoformat.json',
        data_prefix=dict(img_path='test'),
        pipeline=test_pipeline))
val_evaluator = dict(gt_file='gt/gt.txt', benchmark='MOT20')
test_evaluator = dict(
    _delete_=True,
    type='MOTChallengeMetric',
    metric=['HOTA', 'CLEAR', 'Identity'],
    benchmark='MOT20',
    format_only=True,
    outfile_prefix='./mot_20_test_res',
    # the parent's AFLink + GSI
    postprocess_tracklet_cfg=_base_.test_evaluator.postprocess_tracklet_cfg)
