# Tracktor on MOT16 half-val (public detections), MOT16 detector and ReID model.
_base_ = ['./tracktor_faster-rcnn_r50_fpn_4e_mot17-public-half.py']
data_root = 'data/MOT16/'
model = dict(
    detector=dict(
        init_cfg=dict(
            type='Pretrained',
            checkpoint=  # noqa: E251
            'checkpoints/faster-rcnn_r50_fpn_4e_mot16-half_20210804_001054-73477869.pth'  # noqa: E501
        )),
    reid=dict(
        head=dict(num_classes=371),
        init_cfg=dict(
            type='Pretrained',
            checkpoint=  # noqa: E251
            'checkpoints/reid_r50_6e_mot16_20210803_204826-1b3e3cfd.pth'  # noqa: E501
        )))
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        detection_file=data_root + 'annotations/half-val_detections.pkl'))
test_dataloader = val_dataloader
val_evaluator = dict(benchmark='MOT16')
test_evaluator = val_evaluator
