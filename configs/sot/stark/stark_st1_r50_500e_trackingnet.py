# STARK-ST1 on the TrackingNet test set, results packed for the evaluation
# server (published: AUC 80.3, norm. precision 85.0, precision 77.7).
_base_ = ['./stark_st1_r50_500e_lasot.py']

test_dataloader = dict(
    dataset=dict(
        type='TrackingNetDataset',
        ann_file='trackingnet/annotations/trackingnet_test_infos.txt',
        data_prefix=dict(img_path='trackingnet')))
test_evaluator = dict(
    _delete_=True,
    type='SOTMetric',
    format_only=True,
    outfile_prefix='results/stark_st1_trackingnet',
    metric_options=dict(dataset_type='trackingnet'))
