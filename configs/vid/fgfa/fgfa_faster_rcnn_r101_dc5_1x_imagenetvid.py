# FGFA on Faster R-CNN R-101-DC5 (MMTracking 0.14: box AP@50 77.8).
_base_ = ['./fgfa_faster_rcnn_r50_dc5_1x_imagenetvid.py']
model = dict(
    detector=dict(
        backbone=dict(
            depth=101,
            init_cfg=dict(
                type='Pretrained', checkpoint='torchvision://resnet101'))))
