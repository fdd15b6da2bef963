# MixFormer-CvT on the TrackingNet test set (MMTracking 0.14
# mixformer_cvt_500e_trackingnet.py: search factor 4.5, online template renewed
# every 25 frames, 1 kept), results packed for the evaluation server
# (published: AUC 81.4, norm. precision 86.8, precision 80.3).
_base_ = ['./mixformer_cvt_500e_lasot.py']

model = dict(
    test_cfg=dict(
        search_factor=4.5,
        search_size=320,
        template_factor=2.0,
        template_size=128,
        update_interval=[25],
        online_size=[1],
        max_score_decay=[1.0]))
test_dataloader = dict(
    dataset=dict(
        type='TrackingNetDataset',
        ann_file='trackingnet/annotations/trackingnet_test_infos.txt',
        data_prefix=dict(img_path='trackingnet')))
test_evaluator = dict(
    _delete_=True,
    type='SOTMetric',
    format_only=True,
    outfile_prefix='results/mixformer_trackingnet',
    metric_options=dict(dataset_type='trackingnet'))
