# SELSA R-50-DC5 with mixed precision (MMTracking 0.14: box AP@50 78.7).
_base_ = ['./selsa_faster_rcnn_r50_dc5_1x_imagenetvid.py']
optim_wrapper = dict(type='AmpOptimWrapper', loss_scale=512.)
