# Tracktor on MOT20 half-val (public detections), MOT20 detector and ReID model.
_base_ = ['./tracktor_faster-rcnn_r50_fpn_8e_mot20-private-half.py']
data_root = 'data/MOT20/'
val_dataloader = dict(
    dataset=dict(
        detection_file=data_root + 'annotations/half-val_detections.pkl'))
test_dataloader = val_dataloader
