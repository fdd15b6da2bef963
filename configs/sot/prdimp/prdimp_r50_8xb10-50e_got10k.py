# PrDiMP-50 under the GOT-10k one-shot protocol: trained on the full GOT-10k
# train split only, tested on GOT-10k test, packed for the server (published:
# AO 62.9 in MMTracking 1.x).
_base_ = ['./prdimp_r50_8xb10-50e_got10k-lasot-trackingnet-coco_base.py']

train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='GOT10kDataset',
        data_root={{_base_.data_root}},
        ann_file='got10k/annotations/got10k_train_infos.txt',
        data_prefix=dict(img_path='got10k'),
        pipeline={{_base_.train_pipeline}},
        test_mode=False))
val_dataloader = dict(
    dataset=dict(
        type='GOT10kDataset',
        ann_file='got10k/annotations/got10k_test_infos.txt',
        data_prefix=dict(img_path='got10k')))
test_dataloader = val_dataloader
val_evaluator = dict(
    _delete_=True,
    type='SOTMetric',
    format_only=True,
    outfile_prefix='results/prdimp/prdimp_got10k',
    metric_options=dict(dataset_type='got10k'))
test_evaluator = val_evaluator
