# DeepSORT on MOT20 half-val (public detections): the MOT20 Faster R-CNN (8
# epochs, boxes clipped to the image) and the MOT20 ReID model.
_base_ = ['./deepsort_faster-rcnn_fpn_8e_mot20-private-half.py']
data_root = 'data/MOT20/'
val_dataloader = dict(
    dataset=dict(
        detection_file=data_root + 'annotations/half-val_detections.pkl'))
test_dataloader = val_dataloader
