# Tracktor on MOT15 half-val (public detections), MOT15 detector and ReID model.
_base_ = ['./tracktor_faster-rcnn_r50_fpn_4e_mot15-private-half.py']
data_root = 'data/MOT15/'
val_dataloader = dict(
    dataset=dict(
        detection_file=data_root + 'annotations/half-val_detections.pkl'))
test_dataloader = val_dataloader
