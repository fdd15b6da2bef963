# QDTrack trained on MOT17 half-train (key + reference frame within 10
# frames), tracked and evaluated on MOT17 half-val.
_base_ = [
    './qdtrack_faster-rcnn_r50_fpn_4e_base.py',
    '../../_base_/datasets/mot_challenge.py',
]
val_evaluator = dict(gt_file='gt/gt_half-val.txt')
test_evaluator = val_evaluator
