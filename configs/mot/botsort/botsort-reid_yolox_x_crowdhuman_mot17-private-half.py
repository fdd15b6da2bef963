# BoT-SORT-ReID: BoT-SORT with the ReID R50 (MOT17) appearance cue fused with
# IoU (element-wise minimum), MOT17 half-val.
_base_ = [
    './botsort_yolox_x_crowdhuman_mot17-private-half.py',
    '../../_base_/models/reid_r50.py'
]

model = dict(
    reid=_base_.pop('reid'),
    # the detector sees BGR 0-255; the ReID model ImageNet-normalised RGB
    reid_crop_cfg=dict(
        img_scale=(256, 128),
        img_norm_cfg=dict(
            mean=[123.675, 116.28, 103.53],
            std=[58.395, 57.12, 57.375],
            to_rgb=True)),
    tracker=dict(with_reid=True))
