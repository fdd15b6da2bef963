# BoT-SORT (2022): the ByteTrack YOLOX-X detector (CrowdHuman + MOT17
# half-train), x-y-w-h Kalman filter and sparse-optical-flow camera-motion
# compensation, MOT17 half-val. BoT-SORT-ReID: botsort-reid_*.py.
_base_ = ['../bytetrack/bytetrack_yolox_x_crowdhuman_mot17-private-half.py']

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
        proximity_thr=0.5,
        appearance_thr=0.25,
        with_reid=False,
        num_frames_retain=30))
