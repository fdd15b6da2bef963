# MMTracking 1.x name of tracktor_faster-rcnn_r50_fpn_8e_mot20-public.py.
_base_ = ['./tracktor_faster-rcnn_r50_fpn_8e_mot20-public.py']
