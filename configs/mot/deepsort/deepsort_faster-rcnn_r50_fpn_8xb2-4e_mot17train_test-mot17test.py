# DeepSORT on the MOT17 test set (private detections; MMTracking 1.x name).
_base_ = ['./deepsort_faster-rcnn_fpn_4e_mot17-private-half.py']
model = dict(
    detector=dict(
        init_cfg=dict(
            type='Pretrained',
            checkpoint='checkpoints/faster-rcnn_r50_fpn_4e_mot17-ffa52ae7.pth')))
train_dataloader = dict(
    dataset=dict(ann_file='annotations/train_cocoformat.json'))
val_dataloader = dict(
    dataset=dict(ann_file='annotations/train_cocoformat.json'))
test_dataloader = dict(
    dataset=dict(
        ann_file='annotations/test_cocoformat.json',
        data_prefix=dict(img_path='test')))
val_evaluator = dict(gt_file='gt/gt.txt')
test_evaluator = dict(
    format_only=True, outfile_prefix='./mot_17_test_res', gt_file='gt/gt.txt')
