# MMTracking 1.x name of deepsort_faster-rcnn_fpn_4e_mot17-private-half.py.
_base_ = ['./deepsort_faster-rcnn_fpn_4e_mot17-private-half.py']
