"""Small detector configs and inputs for the detection tests."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Optional

import torch
from mmengine.structures import InstanceData

from mmtrack.structures import DetDataSample


def rcnn_train_cfg(
    rpn_num: int, rcnn_num: int, proposal_nms_pre: int, mask_size: int | None = None
) -> dict:
    """MMDetection's two-stage ``train_cfg`` with small sample counts for CPU tests.

    Args:
        rpn_num: RPN samples per image.
        rcnn_num: RoI samples per image.
        proposal_nms_pre: boxes kept before the proposal NMS.
        mask_size: mask target size of the RoI head, when it has a mask head.
    """
    rcnn = dict(
        assigner=dict(
            type="MaxIoUAssigner",
            pos_iou_thr=0.5,
            neg_iou_thr=0.5,
            min_pos_iou=0.5,
            match_low_quality=False,
            ignore_iof_thr=-1,
        ),
        sampler=dict(
            type="RandomSampler",
            num=rcnn_num,
            pos_fraction=0.25,
            neg_pos_ub=-1,
            add_gt_as_proposals=True,
        ),
    )
    if mask_size is not None:
        rcnn["mask_size"] = mask_size
    rcnn.update(pos_weight=-1, debug=False)
    return dict(
        rpn=dict(
            assigner=dict(
                type="MaxIoUAssigner",
                pos_iou_thr=0.7,
                neg_iou_thr=0.3,
                min_pos_iou=0.3,
                match_low_quality=True,
                ignore_iof_thr=-1,
            ),
            sampler=dict(
                type="RandomSampler",
                num=rpn_num,
                pos_fraction=0.5,
                neg_pos_ub=-1,
                add_gt_as_proposals=False,
            ),
            allowed_border=-1,
            pos_weight=-1,
            debug=False,
        ),
        rpn_proposal=dict(
            nms_pre=proposal_nms_pre,
            max_per_img=100,
            nms=dict(type="nms", iou_threshold=0.7),
            min_bbox_size=0,
        ),
        rcnn=rcnn,
    )


def tiny_faster_rcnn_cfg(
    num_classes: int = 3, with_mask: bool = False, rpn_num: int = 64, rcnn_num: int = 32
) -> dict:
    """A small Faster (or Mask) R-CNN: R-18 with 16 base channels, 32-channel FPN.

    Args:
        num_classes: object classes. Defaults to 3.
        with_mask: add an FCN mask head (Mask R-CNN). Defaults to False.
        rpn_num: RPN samples per image. Defaults to 64.
        rcnn_num: RoI samples per image. Defaults to 32.

    Returns:
        A detector config dict (no pretrained weights).
    """
    cfg = dict(
        type="MaskRCNN" if with_mask else "FasterRCNN",
        data_preprocessor=dict(
            type="DetDataPreprocessor",
            mean=[123.675, 116.28, 103.53],
            std=[58.395, 57.12, 57.375],
            bgr_to_rgb=True,
            pad_size_divisor=32,
            pad_mask=with_mask,
        ),
        backbone=dict(type="ResNet", depth=18, base_channels=16, norm_eval=False, frozen_stages=-1),
        neck=dict(type="FPN", in_channels=[16, 32, 64, 128], out_channels=32, num_outs=5),
        rpn_head=dict(
            type="RPNHead",
            in_channels=32,
            feat_channels=32,
            anchor_generator=dict(
                type="AnchorGenerator",
                scales=[8],
                ratios=[0.5, 1.0, 2.0],
                strides=[4, 8, 16, 32, 64],
            ),
            bbox_coder=dict(type="DeltaXYWHBBoxCoder", target_stds=[1.0, 1.0, 1.0, 1.0]),
            loss_cls=dict(type="CrossEntropyLoss", use_sigmoid=True, loss_weight=1.0),
            loss_bbox=dict(type="L1Loss", loss_weight=1.0),
        ),
        roi_head=dict(
            type="StandardRoIHead",
            bbox_roi_extractor=dict(
                type="SingleRoIExtractor",
                roi_layer=dict(type="RoIAlign", output_size=7, sampling_ratio=0),
                out_channels=32,
                featmap_strides=[4, 8, 16, 32],
            ),
            bbox_head=dict(
                type="Shared2FCBBoxHead",
                in_channels=32,
                fc_out_channels=64,
                roi_feat_size=7,
                num_classes=num_classes,
                bbox_coder=dict(type="DeltaXYWHBBoxCoder", target_stds=[0.1, 0.1, 0.2, 0.2]),
                loss_cls=dict(type="CrossEntropyLoss", use_sigmoid=False, loss_weight=1.0),
                loss_bbox=dict(type="L1Loss", loss_weight=1.0),
            ),
        ),
        train_cfg=rcnn_train_cfg(rpn_num, rcnn_num, proposal_nms_pre=300, mask_size=28),
        test_cfg=dict(
            rpn=dict(
                nms_pre=300,
                max_per_img=100,
                nms=dict(type="nms", iou_threshold=0.7),
                min_bbox_size=0,
            ),
            rcnn=dict(
                score_thr=0.05,
                nms=dict(type="nms", iou_threshold=0.5),
                max_per_img=100,
                mask_thr_binary=0.5,
            ),
        ),
    )
    if with_mask:
        cfg["roi_head"].update(
            mask_roi_extractor=dict(
                type="SingleRoIExtractor",
                roi_layer=dict(type="RoIAlign", output_size=14, sampling_ratio=0),
                out_channels=32,
                featmap_strides=[4, 8, 16, 32],
            ),
            mask_head=dict(
                type="FCNMaskHead",
                num_convs=2,
                in_channels=32,
                conv_out_channels=32,
                num_classes=num_classes,
            ),
        )
    return copy.deepcopy(cfg)


def det_sample(
    img_shape: Sequence[int],
    bboxes: Optional[Sequence[Sequence[float]]] = None,
    labels: Optional[Sequence[int]] = None,
    scale_factor: Sequence[float] = (1.0, 1.0),
    masks: Optional[torch.Tensor] = None,
) -> DetDataSample:
    """A :class:`DetDataSample` with metainfo and (possibly empty) ``gt_instances``.

    ``ori_shape`` is ``img_shape / scale_factor`` (rounded).
    """
    h, w = int(img_shape[0]), int(img_shape[1])
    ori = (int(round(h / scale_factor[1])), int(round(w / scale_factor[0])))
    sample = DetDataSample(
        metainfo=dict(
            img_shape=(h, w), ori_shape=ori, scale_factor=tuple(scale_factor), pad_shape=(h, w)
        )
    )
    boxes = (
        torch.tensor(bboxes, dtype=torch.float32).reshape(-1, 4) if bboxes else torch.zeros(0, 4)
    )
    lab = torch.tensor(labels, dtype=torch.long) if labels else torch.zeros(0, dtype=torch.long)
    gt = InstanceData(bboxes=boxes, labels=lab)
    if masks is not None:
        gt.masks = masks
    sample.gt_instances = gt
    return sample
