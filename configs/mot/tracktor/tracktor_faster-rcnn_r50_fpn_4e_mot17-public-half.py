# Tracktor on MOT17 half-val with the public detections (refined by the RoI
# head before tracking, as MMTracking 0.14).
_base_ = ['./tracktor_faster-rcnn_r50_fpn_4e_mot17-private-half.py']
data_root = 'data/MOT17/'
val_dataloader = dict(
    dataset=dict(
        detection_file=data_root + 'annotations/half-val_detections.pkl'))
test_dataloader = val_dataloader
