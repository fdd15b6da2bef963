# ByteTrack with the life cycle of the ByteTrack authors' code instead of
# MMTracking's (ByteTracker.paper_settings()): first association at
# IoU*score > 0.2, tracks confirmed at their second matched frame, only
# confirmed tracks output, Kalman-filtered output boxes. Same detector and
# score thresholds as the MMTracking-faithful parent. On the crowded
# synthetic streams of tools/analysis_tools/mot/compare_bytetrack.py it
# scores +3.5 HOTA at 20 objects/frame and +17.5 at 300 (docs/en/model_zoo.md).
_base_ = ['./bytetrack_yolox_x_crowdhuman_mot17-private-half.py']

model = dict(
    tracker=dict(
        match_iou_thrs=dict(high=0.2, low=0.5, tentative=0.3),
        num_tentatives=2,
        output_tentative=False,
        output_boxes='kalman'))
