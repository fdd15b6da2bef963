# MMTracking 1.x name of tracktor_faster-rcnn_r50_fpn_4e_mot17-private.py.
_base_ = ['./tracktor_faster-rcnn_r50_fpn_4e_mot17-private.py']
