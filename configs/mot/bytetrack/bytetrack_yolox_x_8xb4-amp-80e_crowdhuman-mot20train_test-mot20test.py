# ByteTrack on the MOT20 test set with mixed-precision training.
_base_ = ['./bytetrack_yolox_x_crowdhuman_mot20-private.py']

optim_wrapper = dict(type='AmpOptimWrapper', loss_scale='dynamic')
