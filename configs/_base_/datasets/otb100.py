# OTB-100 for SOT testing (OPE).
# Info file from tools/dataset_converters/otb100/gen_otb100_infos.py.
dataset_type = 'OTB100Dataset'
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
        ann_file='otb100/annotations/otb100_infos.txt',
        data_prefix=dict(img_path='otb100/data'),
        pipeline=test_pipeline,
        test_mode=True))
test_dataloader = val_dataloader

val_evaluator = dict(type='SOTMetric', metric='OPE', metric_options=dict(only_eval_visible=False))
test_evaluator = val_evaluator

val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
