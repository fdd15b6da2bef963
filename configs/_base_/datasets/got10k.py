# GOT-10k test set for SOT testing (results packed for the evaluation server).
# Info file from tools/dataset_converters/got10k/gen_got10k_infos.py.
dataset_type = 'GOT10kDataset'
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
        ann_file='got10k/annotations/got10k_test_infos.txt',
        data_prefix=dict(img_path='got10k'),
        pipeline=test_pipeline,
        test_mode=True))
test_dataloader = val_dataloader

val_evaluator = dict(
    type='SOTMetric',
    format_only=True,
    outfile_prefix='results/got10k',
    metric_options=dict(dataset_type='got10k'))
test_evaluator = val_evaluator

val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
