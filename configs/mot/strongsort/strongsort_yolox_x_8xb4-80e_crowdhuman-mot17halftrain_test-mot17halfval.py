# MMTracking 1.x name of strongsort_yolox_x_crowdhuman_mot17-private-half.py.
_base_ = ['./strongsort_yolox_x_crowdhuman_mot17-private-half.py']
