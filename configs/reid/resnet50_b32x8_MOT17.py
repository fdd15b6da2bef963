# MMTracking 0.x name of reid_r50_8xb32-6e_mot17train80_test-mot17val20.py.
_base_ = ['./reid_r50_8xb32-6e_mot17train80_test-mot17val20.py']
