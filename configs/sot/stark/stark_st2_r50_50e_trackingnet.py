# STARK-ST2 on the TrackingNet test set (dynamic template every 25 frames),
# packed for the server (published: AUC 81.4, norm. precision 86.2, precision 79.0).
_base_ = ['./stark_st2_r50_50e_lasot.py']

model = dict(test_cfg=dict(update_intervals=[25]))
test_dataloader = dict(
    dataset=dict(
        type='TrackingNetDataset',
        ann_file='trackingnet/annotations/trackingnet_test_infos.txt',
        data_prefix=dict(img_path='trackingnet')))
test_evaluator = dict(
    _delete_=True,
    type='SOTMetric',
    format_only=True,
    outfile_prefix='results/stark_st2_trackingnet',
    metric_options=dict(dataset_type='trackingnet'))
