# Tracktor (ICCV 2019): Faster R-CNN R50-FPN (MOT17 half-train, 4 epochs)
# regresses last frame's tracks into the current frame; ECC camera-motion
# compensation; ReID R50 re-identifies lost tracks. MOT17 half-val, private
# detections. MMTracking 0.14 hyper-parameters. Detector, ReID model, data
# and detector schedule are DeepSORT's.
_base_ = ['../deepsort/deepsort_faster-rcnn_fpn_4e_mot17-private-half.py']
model = dict(
    type='Tracktor',
    reid=dict(
        init_cfg=dict(
            type='Pretrained',
            checkpoint='checkpoints/reid_r50_6e_mot17-4bf6b63d.pth')),
    motion=dict(
        _delete_=True,
        type='CameraMotionCompensation',
        warp_mode='cv2.MOTION_EUCLIDEAN',
        num_iters=100,
        stop_eps=0.00001),
    tracker=dict(
        _delete_=True,
        type='TracktorTracker',
        obj_score_thr=0.5,
        regression=dict(
            obj_score_thr=0.5,
            nms=dict(type='nms', iou_threshold=0.6),
            match_iou_thr=0.3),
        reid=dict(
            num_samples=10,
            img_scale=(256, 128),
            img_norm_cfg=None,
            match_score_thr=2.0,
            match_iou_thr=0.2),
        momentums=None,
        num_frames_retain=10))
