# SiamRPN++ on VOT2018: reset-based protocol (a failure re-initialises the
# tracker 5 frames later), EAO / accuracy / robustness from SOTMetric.
# Published: EAO 0.348, Accuracy 0.588, Robustness 0.295.
# (The data set keys follow configs/_base_/datasets/vot2018.py.)
_base_ = ['./siamese_rpn_r50_20e_lasot.py']

model = dict(
    test_cfg=dict(rpn=dict(penalty_k=0.04, window_influence=0.44, lr=0.33), test_mode='VOT'))

val_dataloader = dict(
    dataset=dict(
        type='VOTDataset',
        ann_file='vot2018/annotations/vot2018_infos.txt',
        data_prefix=dict(img_path='vot2018'),
        dataset_type='vot2018'))
test_dataloader = val_dataloader
val_evaluator = dict(
    _delete_=True, type='SOTMetric', metric='VOT', metric_options=dict(dataset_type='vot2018'))
test_evaluator = val_evaluator
