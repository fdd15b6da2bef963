# STARK-ST2 (MMTracking 0.14 configs/sot/stark/stark_st2_r50_50e_lasot.py):
# STARK-ST1 plus the score head (3-layer MLP on the decoder query), trained
# alone for 50 epochs with a binary cross-entropy on positive / negative
# search frames (TridentSampling train_cls_head, half negatives from another
# video), everything else frozen; starts from the ST1 checkpoint:
#   tools/train.py this.py --cfg-options load_from=${STARK-ST1 checkpoint}
# Test: the dynamic template is renewed every 300 frames when the score > 0.5
# (published LaSOT: AUC 67.8, norm. precision 78.5, precision 73.0).
_base_ = ['./stark_st1_r50_500e_lasot.py']

model = dict(
    head=dict(
        cls_head=dict(
            type='ScoreHead', input_dim=256, hidden_dim=256, output_dim=1, num_layers=3,
            use_bn=False),
        frozen_modules=['transformer', 'bbox_head', 'query_embedding'],
        loss_cls=dict(type='CrossEntropyLoss', use_sigmoid=True)),
    frozen_modules=['backbone', 'neck'],
    test_cfg=dict(update_intervals=[300]))

# ST1's training data (_base_/datasets/sot_stark_train.py), with the sampling of
# the score stage: half of the search frames negatives from another video
train_pipeline = [
    dict(p, train_cls_head=True) if p.type == 'TridentSampling' else p
    for p in _base_.train_pipeline
]
train_dataloader = dict(
    dataset=dict(
        datasets=[
            dict(d, pipeline=train_pipeline) for d in _base_.train_dataloader.dataset.datasets
        ]))

param_scheduler = dict(type='MultiStepLR', milestones=[40], gamma=0.1, by_epoch=True)
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=50, val_begin=51, val_interval=100)
default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval=10))
# the STARK-ST1 checkpoint (MMTracking: logs/stark_st1_*/epoch_500.pth), given locally
load_from = 'work_dirs/stark_st1_r50_500e_lasot/epoch_500.pth'
