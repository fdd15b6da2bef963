# PrDiMP-50 on the TrackingNet test set, results packed for the evaluation
# server (published: AUC 75.2 in MMTracking 1.x).
_base_ = ['./prdimp_r50_8xb10-50e_got10k-lasot-trackingnet-coco_base.py']

test_dataloader = dict(
    dataset=dict(
        type='TrackingNetDataset',
        ann_file='trackingnet/annotations/trackingnet_test_infos.txt',
        data_prefix=dict(img_path='trackingnet')))
test_evaluator = dict(
    _delete_=True,
    type='SOTMetric',
    format_only=True,
    outfile_prefix='results/prdimp_trackingnet',
    metric_options=dict(dataset_type='trackingnet'))
