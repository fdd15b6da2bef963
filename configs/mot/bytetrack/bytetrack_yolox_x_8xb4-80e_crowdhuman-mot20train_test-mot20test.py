# MMTracking 1.x name of bytetrack_yolox_x_crowdhuman_mot20-private.py.
_base_ = ['./bytetrack_yolox_x_crowdhuman_mot20-private.py']
