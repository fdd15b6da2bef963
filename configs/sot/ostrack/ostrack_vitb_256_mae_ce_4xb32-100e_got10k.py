# OSTrack-256 under the GOT-10k one-shot protocol (OSTrack's
# vitb_256_mae_ce_32x4_got10k_ep100): trained on the full GOT-10k train split
# only, 100 epochs, learning rate x0.1 after epoch 80, CE keep rate warm-up of
# 50 epochs; tested on GOT-10k test, packed for the server (published AO 71.0).
_base_ = ['./ostrack_vitb_256_mae_ce_4xb32-300e_got10k-lasot-trackingnet-coco_base.py']

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
    outfile_prefix='results/ostrack_vitb_256_got10k',
    metric_options=dict(dataset_type='got10k'))
test_evaluator = val_evaluator

param_scheduler = dict(type='MultiStepLR', milestones=[80], gamma=0.1, by_epoch=True)
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=100, val_begin=101, val_interval=1)
custom_hooks = [dict(type='CEKeepRateHook', start_epoch=20, warm_epochs=50)]
