# MMTracking 0.x name of reid_r50_8xb32-6e_mot16train80_test-mot16val20.py.
_base_ = ['./reid_r50_8xb32-6e_mot16train80_test-mot16val20.py']
