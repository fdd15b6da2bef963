# SORT on MOT17 half-val with the public detections (mot2coco.py
# --convert-det), re-scored and refined by the detector's RoI head as in
# MMTracking 0.14.
_base_ = ['./sort_faster-rcnn_fpn_4e_mot17-private-half.py']
data_root = 'data/MOT17/'
val_dataloader = dict(
    dataset=dict(
        detection_file=data_root + 'annotations/half-val_detections.pkl'))
test_dataloader = val_dataloader
