# Tracktor on MOT15 half-val (private detections), MOT15 detector and ReID model.
_base_ = ['./tracktor_faster-rcnn_r50_fpn_4e_mot17-private-half.py']
data_root = 'data/MOT15/'
model = dict(
    detector=dict(
        init_cfg=dict(
            type='Pretrained',
            checkpoint=  # noqa: E251
            'checkpoints/faster-rcnn_r50_fpn_4e_mot15-half_20210804_001040-ae733d0c.pth'  # noqa: E501
        )),
    reid=dict(
        head=dict(num_classes=375),
        init_cfg=dict(
            type='Pretrained',
            checkpoint=  # noqa: E251
            'checkpoints/reid_r50_6e_mot15_20210803_192157-65b5e2d7.pth'  # noqa: E501
        )))
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
val_evaluator = dict(benchmark='MOT15')
test_evaluator = val_evaluator
