# DFF on Faster R-CNN X-101-64x4d-DC5 (MMTracking 0.14: box AP@50 75.5).
_base_ = ['./dff_faster_rcnn_r50_dc5_1x_imagenetvid.py']
model = dict(
    detector=dict(
        backbone=dict(
            type='ResNeXt',
            depth=101,
            groups=64,
            base_width=4,
            init_cfg=dict(
                type='Pretrained',
                checkpoint='open-mmlab://resnext101_64x4d'))))
