# VOT2018 for SOT testing (EAO, accuracy and robustness of the reset-based protocol).
# Info file from tools/dataset_converters/vot/gen_vot_infos.py.
dataset_type = 'VOTDataset'
data_root = 'data/'

# One frame per item, videos in order (VideoSampler yields (video, frame) pairs);
# the dataset gives gt_bboxes (x1y1x2y2) directly, no annotation loading needed.
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='PackSOTInputs'),
]

val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='VideoSampler'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='vot2018/annotations/vot2018_infos.txt',
        data_prefix=dict(img_path='vot2018'),
        dataset_type='vot2018',
        pipeline=test_pipeline,
        test_mode=True))
test_dataloader = val_dataloader

val_evaluator = dict(type='SOTMetric', metric='VOT', metric_options=dict(dataset_type='vot2018'))
test_evaluator = val_evaluator

val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
