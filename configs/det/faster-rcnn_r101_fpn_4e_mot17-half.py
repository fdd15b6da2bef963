# As faster-rcnn_r50_fpn_4e_mot17-half.py with a ResNet-101 backbone, started
# from MMDetection's COCO Faster R-CNN R-101-FPN:
#   http://download.openmmlab.com/mmdetection/v2.0/faster_rcnn/faster_rcnn_r101_fpn_2x_coco/faster_rcnn_r101_fpn_2x_coco_bbox_mAP-0.398_20200504_210455-1d2dac9c.pth  # noqa: E501
_base_ = ['./faster-rcnn_r50_fpn_4e_mot17-half.py']

model = dict(
    backbone=dict(depth=101),
    init_cfg=dict(
        type='Pretrained',
        checkpoint=  # noqa: E251
        'checkpoints/faster_rcnn_r101_fpn_2x_coco_bbox_mAP-0.398_20200504_210455-1d2dac9c.pth'  # noqa: E501
    ))
