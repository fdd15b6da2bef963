# OSTrack-384 on the TrackingNet test set: results packed for the evaluation
# server (published: AUC 83.9).
_base_ = ['./ostrack_vitb_384_mae_ce_4xb32-300e_got10k-lasot-trackingnet-coco_base.py']

test_dataloader = dict(
    dataset=dict(
        type='TrackingNetDataset',
        ann_file='trackingnet/annotations/trackingnet_test_infos.txt',
        data_prefix=dict(img_path='trackingnet')))
test_evaluator = dict(
    _delete_=True,
    type='SOTMetric',
    format_only=True,
    outfile_prefix='results/ostrack_vitb_384_trackingnet',
    metric_options=dict(dataset_type='trackingnet'))
