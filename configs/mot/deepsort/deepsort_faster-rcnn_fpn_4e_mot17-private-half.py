# DeepSORT (ICIP 2017): SORT plus appearance matching of confirmed tracks
# with ReID R50 embeddings (Euclidean distance, Mahalanobis gating);
# MOT17 half-val, private detections.
_base_ = [
    './sort_faster-rcnn_fpn_4e_mot17-private-half.py',
    '../../_base_/models/reid_r50.py'
]
model = dict(
    # the ReID R50 with MMTracking 0.14's DeepSORT/Tracktor weights
    reid=dict(
        _base_.pop('reid'),
        init_cfg=dict(
            type='Pretrained',
            checkpoint='checkpoints/tracktor_reid_r50_iter25245-a452f51f.pth')),
    tracker=dict(
        _delete_=True,
        type='SORTTracker',
        obj_score_thr=0.5,
        reid=dict(
            num_samples=10,
            img_scale=(256, 128),
            img_norm_cfg=None,
            match_score_thr=2.0),
        match_iou_thr=0.5,
        num_tentatives=2,
        num_frames_retain=100))
