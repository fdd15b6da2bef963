# YOLOX-nano (depthwise convolutions, widen 0.25) on the synthetic MOT videos;
# data, schedule and hooks as yolox_tiny_synthetic.py.
_base_ = ['./yolox_tiny_synthetic.py']

model = dict(
    backbone=dict(deepen_factor=0.33, widen_factor=0.25, use_depthwise=True),
    neck=dict(in_channels=[64, 128, 256], out_channels=64, use_depthwise=True),
    bbox_head=dict(in_channels=64, feat_channels=64, use_depthwise=True))
