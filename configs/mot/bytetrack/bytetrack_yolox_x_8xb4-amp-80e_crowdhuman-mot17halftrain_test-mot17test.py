# ByteTrack on the MOT17 test set with mixed-precision training.
_base_ = ['./bytetrack_yolox_x_crowdhuman_mot17-private.py']

optim_wrapper = dict(type='AmpOptimWrapper', loss_scale='dynamic')
