# SiamRPN++ on UAV123 (OPE, all frames), MMTracking 0.14's test-time parameters.
# Published: Success 60.0, Norm precision 77.3, Precision 80.3.
# (The data set keys follow configs/_base_/datasets/uav123.py; mmengine allows
# no key twice among several bases, so the LaSOT config is the only base.)
_base_ = ['./siamese_rpn_r50_20e_lasot.py']

model = dict(test_cfg=dict(rpn=dict(penalty_k=0.1, window_influence=0.1, lr=0.5)))

val_dataloader = dict(
    dataset=dict(
        type='UAV123Dataset',
        ann_file='UAV123/annotations/uav123_infos.txt',
        data_prefix=dict(img_path='UAV123')))
test_dataloader = val_dataloader
val_evaluator = dict(
    _delete_=True, type='SOTMetric', metric='OPE', metric_options=dict(only_eval_visible=False))
test_evaluator = val_evaluator
