# As faster-rcnn_r50_fpn_8e_mot20-half.py, trained and evaluated on the whole
# MOT20 train set.
_base_ = ['./faster-rcnn_r50_fpn_8e_mot20-half.py']

data_root = 'data/MOT20/'
train_dataloader = dict(
    dataset=dict(
        data_root=data_root, ann_file='annotations/train_cocoformat.json'))
val_dataloader = dict(
    dataset=dict(
        data_root=data_root, ann_file='annotations/train_cocoformat.json'))
test_dataloader = val_dataloader

val_evaluator = dict(ann_file=data_root + 'annotations/train_cocoformat.json')
test_evaluator = val_evaluator
