# A tiny linear-regression job (tests.helpers.toy) for the tool tests.
_base_ = ['../../../configs/_base_/default_runtime.py']

custom_imports = dict(imports=['tests.helpers.toy'], allow_failed_imports=False)

model = dict(type='ToyTrackModel', in_features=2)

train_dataloader = dict(
    batch_size=2,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type='ToyDataset', num_samples=16))
val_dataloader = dict(
    batch_size=2,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='ToyDataset', num_samples=8))
test_dataloader = val_dataloader
val_evaluator = dict(type='ToyMetric')
test_evaluator = val_evaluator

train_cfg = dict(type='IterBasedTrainLoop', max_iters=8, val_interval=4)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(
    type='OptimWrapper', optimizer=dict(type='SGD', lr=0.1, momentum=0.9))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=False, milestones=[6], gamma=0.1)
]
auto_scale_lr = dict(enable=False, base_batch_size=2)

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=1),
    checkpoint=dict(type='CheckpointHook', interval=4, by_epoch=False),
    visualization=dict(type='TrackVisualizationHook', draw=False))
# ToyInterruptHook(stop_after_iter=N) simulates a crash after N iterations.
custom_hooks = [
    dict(type='ToyWeightDumpHook'),
    dict(type='ToyInterruptHook', stop_after_iter=None)
]
log_processor = dict(by_epoch=False)
randomness = dict(seed=0)
