# FGFA on the tiny Faster R-CNN (quarter-width R-18-FPN) of the synthetic DFF
# config (same data, schedule and detector), with a FlowNetSimple of width 8
# and an EmbedAggregator, trained from scratch. CPU-sized: the proof of
# learning. Test: a ring buffer of 5 frames (2 on each side, stride 1).
_base_ = ['../dff/dff_faster-rcnn_r18-tiny_fpn_synthetic.py']

model = dict(
    type='FGFA',
    test_cfg=None,
    aggregator=dict(
        type='EmbedAggregator', num_convs=1, channels=32, kernel_size=3))

# one reference frame on each side of the key frame, within 4 frames
train_dataloader = dict(
    dataset=dict(
        ref_img_sampler=dict(
            _delete_=True,
            num_ref_imgs=2,
            frame_range=4,
            filter_key_img=True,
            method='bilateral_uniform')))
val_dataloader = dict(
    dataset=dict(
        ref_img_sampler=dict(
            _delete_=True,
            num_ref_imgs=4,
            frame_range=[-2, 2],
            stride=1,
            method='test_with_fix_stride')))
test_dataloader = val_dataloader

# 4 epochs (an FGFA step runs the backbone on 3 frames): same schedule shape
max_epochs = 4
lr = 0.003
param_scheduler = [
    dict(type='LinearLR', start_factor=0.05, by_epoch=False, begin=0, end=30),
    dict(
        type='CosineAnnealingLR',
        eta_min=lr * 0.05,
        begin=0,
        T_max=max_epochs,
        end=max_epochs,
        by_epoch=True,
        convert_to_iter_based=True)
]
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
default_hooks = dict(checkpoint=dict(interval=max_epochs))
