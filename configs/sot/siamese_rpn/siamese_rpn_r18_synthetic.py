# A small SiamRPN++ (SOTResNet-18 at 1/8 width, 16-channel neck and heads)
# trained from scratch on CPU on this project's synthetic SOT clips (LaSOT
# layout, 160 x 256 frames, 40 frames per clip), for the offline SOT demo.
# The clips:
#   python tools/dataset_converters/make_synthetic_videos.py --task sot \
#       --out data/synthetic_sot/train/LaSOTBenchmark --num-seqs 24 --seed 1
#   python tools/dataset_converters/make_synthetic_videos.py --task sot \
#       --out data/synthetic_sot/test/LaSOTBenchmark --num-seqs 8 --seed 2
# Train (1,000 iterations of 16 pairs, about 6 minutes on one shared CPU core), publish, test:
#   python tools/train.py configs/sot/siamese_rpn/siamese_rpn_r18_synthetic.py
#   python tools/analysis_tools/publish_model.py \
#       work_dirs/siamese_rpn_r18_synthetic/epoch_10.pth \
#       demo/checkpoints/siamese_rpn_r18_synthetic.pth
#   python tools/test.py configs/sot/siamese_rpn/siamese_rpn_r18_synthetic.py \
#       --checkpoint demo/checkpoints/siamese_rpn_r18_synthetic-<hash>.pth
# On the 8 test clips (OPE, visible frames): success 36.0, precision 50.3,
# norm precision 39.4; the first-frame box kept still: 17.6 / 45.3 / 9.7.
# Crops are half of SiamRPN++'s (63 px exemplar, 127 px search, 255 px SiamFC
# crop) with 32 px anchors, so the maps are 7 x 7 (template) and 15 x 15
# (search) and the scores 9 x 9; pixels are normalised with the ImageNet
# mean / std (trained from scratch, no pretrained backbone).
_base_ = ['./siamese_rpn_r50_20e_lasot.py']

exemplar_size = 63
search_size = 127
crop_size = 255
data_root = 'data/synthetic_sot/'

model = dict(
    data_preprocessor=dict(
        type='TrackDataPreprocessor',
        mean=[103.53, 116.28, 123.675],
        std=[57.375, 57.12, 58.395],
        bgr_to_rgb=False),
    backbone=dict(
        depth=18,
        base_channels=8,
        stem_channels=8,
        frozen_stages=-1,
        norm_eval=False,
        init_cfg=None),
    neck=dict(in_channels=[16, 32, 64], out_channels=16),
    head=dict(
        anchor_generator=dict(scales=[4]),
        in_channels=[16, 16, 16]),
    train_cfg=dict(rpn=dict(exemplar_size=exemplar_size, search_size=search_size)),
    test_cfg=dict(exemplar_size=exemplar_size, search_size=search_size))

train_pipeline = [
    dict(type='PairSampling', frame_range=10, pos_prob=0.8, filter_template_img=False),
    dict(
        type='TransformBroadcaster',
        share_random_params=False,
        transforms=[
            dict(type='LoadImageFromFile'),
            dict(
                type='CropLikeSiamFC',
                context_amount=0.5,
                exemplar_size=exemplar_size,
                crop_size=crop_size),
        ]),
    dict(
        type='SeqShiftScaleAug',
        target_size=[exemplar_size, search_size],
        shift=[2, 16],
        scale=[0.05, 0.18]),
    dict(type='SeqColorAug', prob=[1.0, 1.0]),
    dict(type='PackSOTInputs', num_template_frames=1),
]
train_dataloader = dict(
    batch_size=16,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='QuotaSampler', samples_per_epoch=1600),
    dataset=dict(
        _delete_=True,
        type='LaSOTDataset',
        data_prefix=dict(img_path=data_root + 'train/LaSOTBenchmark'),
        pipeline=train_pipeline,
        test_mode=False))
val_dataloader = dict(
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        data_root='',
        ann_file='',
        data_prefix=dict(img_path=data_root + 'test/LaSOTBenchmark')))
test_dataloader = val_dataloader

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=10, val_begin=11, val_interval=1)
param_scheduler = dict(_delete_=True, type='MultiStepLR', milestones=[8], gamma=0.1, by_epoch=True)
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=2e-3, weight_decay=1e-4),
    clip_grad=dict(max_norm=5.0, norm_type=2))
custom_hooks = []
default_hooks = dict(logger=dict(interval=25), checkpoint=dict(interval=10))
randomness = dict(seed=0, deterministic=False)
