# ByteTrack on the MOT17 test set (private detections): detector trained on
# CrowdHuman + MOT17 train; results written for the MOTChallenge server.
_base_ = ['./bytetrack_yolox_x_crowdhuman_mot17-private-half.py']

# training set: the whole MOT17 train set instead of its first half
_base_.train_dataloader.dataset.dataset.datasets[0].update(
    data_root='data/MOT17', ann_file='annotations/train_cocoformat.json')
val_dataloader = dict(
    dataset=dict(ann_file='annotations/train_cocoformat.json'))
test_dataloader = dict(
    dataset=dict(
        ann_file='annotations/test_cocoformat.json',
        data_prefix=dict(img_path='test')))
val_evaluator = dict(gt_file='gt/gt.txt')
test_evaluator = dict(
    format_only=True, outfile_prefix='./mot_17_test_res', gt_file='gt/gt.txt')
