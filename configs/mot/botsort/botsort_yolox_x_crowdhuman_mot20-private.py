# BoT-SORT on the MOT20 test set with the MOT20 YOLOX-X detector.
_base_ = ['../bytetrack/bytetrack_yolox_x_crowdhuman_mot20-private.py']

model = dict(
    type='BoTSORT',
    motion=None,
    tracker=dict(
        _delete_=True,
        type='BoTSORTTracker',
        motion=dict(type='KalmanFilter', box_format='xywh'),
        cmc=dict(type='CameraMotionCompensation', method='sparse_flow'),
        obj_score_thrs=dict(high=0.6, low=0.1),
        init_track_thr=0.7,
        match_thrs=dict(high=0.8, low=0.5, tentative=0.7),
        fuse_score=False,
        with_reid=False,
        num_frames_retain=30))
