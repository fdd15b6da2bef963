# STARK-ST2 under the GOT-10k one-shot protocol (GOT-10k train only, dynamic
# template every 200 frames), from the GOT-10k ST1 checkpoint; GOT-10k test
# packed for the server (published: AO 68.3, SR0.5 77.6, SR0.75 62.7).
_base_ = ['./stark_st2_r50_50e_lasot.py']

model = dict(test_cfg=dict(update_intervals=[200]))
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
    outfile_prefix='results/stark_st2_got10k',
    metric_options=dict(dataset_type='got10k'))
test_evaluator = val_evaluator
load_from = 'work_dirs/stark_st1_r50_500e_got10k/epoch_500.pth'
