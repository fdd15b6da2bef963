# SiamRPN++ on LaSOT with mixed-precision training (static loss scale 512, as
# MMTracking 0.14's fp16 = dict(loss_scale=512.)); needs a GPU.
# Published: Success 50.4, Norm precision 59.6, Precision 49.2.
_base_ = ['./siamese_rpn_r50_20e_lasot.py']

optim_wrapper = dict(type='AmpOptimWrapper', loss_scale=512.)
