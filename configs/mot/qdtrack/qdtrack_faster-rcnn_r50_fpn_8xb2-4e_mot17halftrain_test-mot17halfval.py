# MMTracking 1.x name of qdtrack_faster-rcnn_r50_fpn_4e_mot17-private-half.py.
_base_ = ['./qdtrack_faster-rcnn_r50_fpn_4e_mot17-private-half.py']
