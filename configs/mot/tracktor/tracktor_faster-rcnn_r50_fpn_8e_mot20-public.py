# Tracktor on the MOT20 test set with its public detections; MOT20 detector
# (whole train set, 8 epochs) and ReID model.
_base_ = ['./tracktor_faster-rcnn_r50_fpn_4e_mot17-public.py']
data_root = 'data/MOT20/'
model = dict(
    detector=dict(
        rpn_head=dict(bbox_coder=dict(clip_border=True)),
        roi_head=dict(bbox_head=dict(bbox_coder=dict(clip_border=True))),
        init_cfg=dict(
            type='Pretrained',
            checkpoint=  # noqa: E251
            'checkpoints/faster-rcnn_r50_fpn_8e_mot20_20210804_162232-7fde5e8d.pth'  # noqa: E501
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
        detection_file=data_root + 'annotations/train_detections.pkl'))
test_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        detection_file=data_root + 'annotations/test_detections.pkl'))
val_evaluator = dict(benchmark='MOT20')
test_evaluator = dict(outfile_prefix='./mot_20_test_res', benchmark='MOT20')
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
