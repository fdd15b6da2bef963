# ByteTrack (ECCV 2022): YOLOX-X trained on CrowdHuman + MOT17 half-train,
# tracked and evaluated on MOT17 half-val (private detections).
# MMTracking 0.14 hyper-parameters. The detector, its training data and
# schedule are those of the YOLOX-X detector config; the detector trains
# through the MOT model (loss mode trains `model.detector` on single images).
_base_ = ['../../det/yolox_x_8xb4-80e_crowdhuman-mot17halftrain.py']

dataset_type = 'MOTChallengeDataset'
data_root = _base_.data_root
img_scale = _base_.img_scale

# The detector config's model becomes `model.detector`; its data
# preprocessor (batch-synchronised random resize) moves to the MOT model.
_base_.model = dict(
    data_preprocessor=_base_.model.pop('data_preprocessor'),
    detector=_base_.model)
model = dict(
    type='ByteTrack',
    data_preprocessor=dict(
        type='TrackDataPreprocessor', use_det_processor=True),
    motion=dict(type='KalmanFilter'),
    tracker=dict(
        type='ByteTracker',
        obj_score_thrs=dict(high=0.6, low=0.1),
        init_track_thr=0.7,
        weight_iou_with_det_scores=True,
        match_iou_thrs=dict(high=0.1, low=0.5, tentative=0.3),
        num_frames_retain=30))

test_pipeline = [
    dict(
        type='TransformBroadcaster',
        transforms=[
            dict(type='LoadImageFromFile'),
            dict(type='LoadTrackAnnotations'),
            dict(type='Resize', scale=img_scale, keep_ratio=True),
            dict(
                type='Pad',
                size_divisor=32,
                pad_val=dict(img=(114.0, 114.0, 114.0))),
        ]),
    dict(type='PackTrackInputs')
]

# training set: the MOT17 half-train part is read from `data_root`
_base_.train_dataloader.dataset.dataset.datasets[0].update(data_root=data_root)
# tracking: the half-val videos frame by frame
val_dataloader = dict(
    sampler=dict(_delete_=True, type='TrackImgSampler'),
    dataset=dict(
        type=dataset_type,
        ref_img_sampler=None,
        load_as_video=True,
        pipeline=test_pipeline))
test_dataloader = val_dataloader

# Half-val frames are scored against the half-val part of gt.txt (written
# by mot2coco.py --split-train); gaps of at most 20 frames in tracks of at
# least 5 frames are filled by linear interpolation, as in
# MMTracking 1.x.
val_evaluator = dict(
    _delete_=True,
    type='MOTChallengeMetric',
    metric=['HOTA', 'CLEAR', 'Identity'],
    gt_file='gt/gt_half-val.txt',
    interpolate_tracks_cfg=dict(min_num_frames=5, max_num_frames=20))
test_evaluator = val_evaluator
