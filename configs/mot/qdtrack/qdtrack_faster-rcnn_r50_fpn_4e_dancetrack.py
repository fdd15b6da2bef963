# QDTrack trained on DanceTrack train, evaluated on DanceTrack val.
_base_ = [
    './qdtrack_faster-rcnn_r50_fpn_4e_base.py',
    '../../_base_/datasets/dancetrack.py',
]
val_evaluator = dict(benchmark='DanceTrack')
test_evaluator = val_evaluator
