# DeepSORT on MOT20 half-val (public detections): the MOT20 Faster R-CNN (8
# epochs, boxes clipped to the image) and the MOT20 ReID model.
_base_ = ['./deepsort_faster-rcnn_fpn_4e_mot17-public-half.py']
data_root = 'data/MOT20/'
model = dict(
    detector=dict(
        rpn_head=dict(bbox_coder=dict(clip_border=True)),
        roi_head=dict(bbox_head=dict(bbox_coder=dict(clip_border=True))),
        init_cfg=dict(
            type='Pretrained',
            checkpoint=  # noqa: E251
            'checkpoints/faster-rcnn_r50_fpn_8e_mot20-half_20210805_001244-2c323fd1.pth'  # noqa: E501
        )),
    reid=dict(
        head=dict(num_classes=1705),
        init_cfg=dict(
            type='Pretrained',
            checkpoint=  # noqa: E251
            'checkpoints/reid_r50_6e_mot20_20210803_212426-c83b1c01.pth')))
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        detection_file=data_root + 'annotations/half-val_detections.pkl'))
test_dataloader = val_dataloader
val_evaluator = dict(benchmark='MOT20')
test_evaluator = val_evaluator
train_cfg = dict(max_epochs=8)
param_scheduler = [
    dict(
        type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=100),
    dict(
        type='MultiStepLR',
        begin=0,
        end=8,
        by_epoch=True,
        milestones=[6],
        gamma=0.1)
]
