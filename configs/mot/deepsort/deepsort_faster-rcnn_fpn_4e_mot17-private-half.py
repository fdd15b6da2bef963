# DeepSORT (ICIP 2017): SORT plus appearance matching of confirmed tracks
# with ReID R50 embeddings (Euclidean distance, Mahalanobis gating);
# MOT17 half-val, private detections.
_base_ = ['./sort_faster-rcnn_fpn_4e_mot17-private-half.py']
model = dict(
    reid=dict(
        type='BaseReID',
        data_preprocessor=None,
        backbone=dict(
            type='ResNet',
            depth=50,
            num_stages=4,
            out_indices=(3, ),
            style='pytorch'),
        neck=dict(type='GlobalAveragePooling', kernel_size=(8, 4), stride=1),
        head=dict(
            type='LinearReIDHead',
            num_fcs=1,
            in_channels=2048,
            fc_channels=1024,
            out_channels=128,
            num_classes=380,
            loss_cls=dict(type='CrossEntropyLoss', loss_weight=1.0),
            loss_triplet=dict(type='TripletLoss', margin=0.3, loss_weight=1.0),
            norm_cfg=dict(type='BN1d'),
            act_cfg=dict(type='ReLU')),
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
