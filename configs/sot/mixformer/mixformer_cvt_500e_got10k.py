# MixFormer-CvT under the GOT-10k one-shot protocol (MMTracking 0.14
# mixformer_cvt_500e_got10k.py: search factor 4.55, online template renewed
# every 10 frames, 2 kept, best score decayed by 0.98 a frame); trained on the
# GOT-10k train split only; GOT-10k test packed for the server (published:
# AO 70.1, SR0.5 80.1, SR0.75 65.6).
_base_ = ['./mixformer_cvt_500e_lasot.py']

model = dict(
    test_cfg=dict(
        search_factor=4.55,
        search_size=320,
        template_factor=2.0,
        template_size=128,
        update_interval=[10],
        online_size=[2],
        max_score_decay=[0.98]))
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
    outfile_prefix='results/mixformer_got10k',
    metric_options=dict(dataset_type='got10k'))
test_evaluator = val_evaluator
