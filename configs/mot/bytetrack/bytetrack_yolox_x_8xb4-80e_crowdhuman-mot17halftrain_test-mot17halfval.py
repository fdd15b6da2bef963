# MMTracking 1.x name of bytetrack_yolox_x_crowdhuman_mot17-private-half.py.
_base_ = ['./bytetrack_yolox_x_crowdhuman_mot17-private-half.py']
