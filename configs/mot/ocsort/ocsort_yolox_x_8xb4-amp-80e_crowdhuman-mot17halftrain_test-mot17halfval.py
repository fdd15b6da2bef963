# MMDetection 3.x name of ocsort_yolox_x_crowdhuman_mot17-private-half.py
# (mixed-precision training).
_base_ = ['./ocsort_yolox_x_crowdhuman_mot17-private-half.py']

optim_wrapper = dict(type='AmpOptimWrapper', loss_scale='dynamic')
