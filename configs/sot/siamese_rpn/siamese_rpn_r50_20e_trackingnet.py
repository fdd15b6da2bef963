# SiamRPN++ on TrackingNet (results packed for the evaluation server).
# Published: Success 68.8, Norm precision 75.9, Precision 63.2.
# (The data set keys follow configs/_base_/datasets/trackingnet.py.)
_base_ = ['./siamese_rpn_r50_20e_lasot.py']

val_dataloader = dict(
    dataset=dict(
        type='TrackingNetDataset',
        ann_file='trackingnet/annotations/trackingnet_test_infos.txt',
        data_prefix=dict(img_path='trackingnet')))
test_dataloader = val_dataloader
val_evaluator = dict(
    _delete_=True,
    type='SOTMetric',
    format_only=True,
    outfile_prefix='results/siamese_rpn_trackingnet',
    metric_options=dict(dataset_type='trackingnet'))
test_evaluator = val_evaluator
