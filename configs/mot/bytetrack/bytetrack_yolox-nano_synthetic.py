# ByteTrack with a YOLOX-nano detector trained from scratch on the project's
# synthetic MOT videos: the offline demo model (CPU-sized, no pretrained
# weights, no download). The detector, its training data and schedule are
# those of configs/det/yolox_nano_synthetic.py: it trains through the MOT
# model on single frames (loss mode), as MMDetection 3.x's ByteTrack; the
# tracker has no parameters.
#
# Data (one class, 'pedestrian'; 160 x 256 frames):
#   python tools/dataset_converters/make_synthetic_videos.py --task mot \
#       --out data/synthetic_mot --num-seqs 4 --num-frames 40
#   python tools/dataset_converters/mot/mot2coco.py -i data/synthetic_mot \
#       -o data/synthetic_mot/annotations --split-train
# Train, then track and score the half-val frames (HOTA/MOTA/IDF1):
#   python tools/train.py configs/mot/bytetrack/bytetrack_yolox-nano_synthetic.py
#   python tools/test.py configs/mot/bytetrack/bytetrack_yolox-nano_synthetic.py \
#       --checkpoint work_dirs/bytetrack_yolox-nano_synthetic/epoch_8.pth
_base_ = ['../../det/yolox_nano_synthetic.py']

dataset_type = 'MOTChallengeDataset'
img_scale = _base_.img_scale  # (width, height): the frames' own size

# The detector config's model becomes `model.detector`; its data
# preprocessor (batch-synchronised random resize) moves to the MOT model.
_base_.model = dict(
    data_preprocessor=_base_.model.pop('data_preprocessor'),
    detector=_base_.model)
model = dict(
    type='ByteTrack',
    data_preprocessor=dict(
        type='TrackDataPreprocessor', use_det_processor=True),
    # ByteTrack keeps low-score boxes for its second association
    detector=dict(test_cfg=dict(nms=dict(iou_threshold=0.7))),
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

# tracking: the half-val videos frame by frame
val_dataloader = dict(
    batch_size=1,
    persistent_workers=False,
    sampler=dict(_delete_=True, type='TrackImgSampler'),
    dataset=dict(
        type=dataset_type,
        ref_img_sampler=None,
        load_as_video=True,
        pipeline=test_pipeline))
test_dataloader = val_dataloader

# half-val frames are scored against the half-val part of gt.txt
val_evaluator = dict(
    _delete_=True,
    type='MOTChallengeMetric',
    metric=['HOTA', 'CLEAR', 'Identity'],
    gt_file='gt/gt_half-val.txt')
test_evaluator = val_evaluator
