# Tracktor on the MOT20 test set with its public detections; MOT20 detector
# (whole train set, 8 epochs) and ReID model.
_base_ = ['./tracktor_faster-rcnn_r50_fpn_8e_mot20-private-half.py']
data_root = 'data/MOT20/'
model = dict(
    detector=dict(
        init_cfg=dict(
            type='Pretrained',
            checkpoint=  # noqa: E251
            'checkpoints/faster-rcnn_r50_fpn_8e_mot20_20210804_162232-7fde5e8d.pth'  # noqa: E501
        )))
train_dataloader = dict(
    dataset=dict(ann_file='annotations/train_cocoformat.json'))
val_dataloader = dict(
    dataset=dict(
        ann_file='annotations/train_cocoformat.json',
        detection_file=data_root + 'annotations/train_detections.pkl'))
test_dataloader = dict(
    dataset=dict(
        ann_file='annotations/test_cocoformat.json',
        data_prefix=dict(img_path='test'),
        detection_file=data_root + 'annotations/test_detections.pkl'))
val_evaluator = dict(gt_file='gt/gt.txt')
test_evaluator = dict(
    format_only=True, outfile_prefix='./mot_20_test_res', gt_file='gt/gt.txt')
