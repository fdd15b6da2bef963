# MMTracking 0.x name of reid_r50_8xb32-6e_mot20train80_test-mot20val20.py.
_base_ = ['./reid_r50_8xb32-6e_mot20train80_test-mot20val20.py']
