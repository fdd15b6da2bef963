# ByteTrack MOT17 half-val config with mixed-precision training.
_base_ = ['./bytetrack_yolox_x_crowdhuman_mot17-private-half.py']

optim_wrapper = dict(type='AmpOptimWrapper', loss_scale='dynamic')
