# MMTracking 0.x name of reid_r50_8xb32-6e_mot15train80_test-mot15val20.py.
_base_ = ['./reid_r50_8xb32-6e_mot15train80_test-mot15val20.py']
