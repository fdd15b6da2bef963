# SORT on the MOT17 test set with its public detections.
_base_ = ['./sort_faster-rcnn_fpn_4e_mot17-private.py']
data_root = 'data/MOT17/'
val_dataloader = dict(
    dataset=dict(
        detection_file=data_root + 'annotations/train_detections.pkl'))
test_dataloader = dict(
    dataset=dict(
        detection_file=data_root + 'annotations/test_detections.pkl'))
