# MaskTrack R-CNN X-101-64x4d-FPN on YouTube-VIS 2021 (MMTracking 0.14; AP 33.5).
_base_ = ['./masktrack_rcnn_r50_fpn_12e_youtubevis2021.py']
model = dict(
    detector=dict(
        backbone=dict(
            type='ResNeXt',
            depth=101,
            groups=64,
            base_width=4,
            init_cfg=dict(
                type='Pretrained',
                checkpoint='open-mmlab://resnext101_64x4d')),
        init_cfg=dict(
            type='Pretrained',
            checkpoint=  # noqa: E251
            'checkpoints/mask_rcnn_x101_64x4d_fpn_1x_coco_20200201-9352eb0d.pth'  # noqa: E501
        )))
