# STARK-ST1 under the GOT-10k one-shot protocol: trained on the GOT-10k train
# split only; tested on GOT-10k test, packed for the server (published: AO
# 68.1, SR0.5 77.4, SR0.75 62.4).
_base_ = ['./stark_st1_r50_500e_lasot.py']

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
    outfile_prefix='results/stark_st1_got10k',
    metric_options=dict(dataset_type='got10k'))
test_evaluator = val_evaluator
