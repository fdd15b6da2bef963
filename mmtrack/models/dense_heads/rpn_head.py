"""Region Proposal Network head (Faster R-CNN)."""

from __future__ import annotations

from typing import Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.config import ConfigDict
from mmengine.structures import InstanceData
from torch import Tensor

from mmtrack.ops.nms import batched_nms
from mmtrack.registry import MODELS
from mmtrack.structures.bbox import scale_boxes

from .anchor_head import AnchorHead


@MODELS.register_module()
class RPNHead(AnchorHead):
    """RPN: a shared 3x3 conv + ReLU, then 1x1 objectness and box-delta convs.

    State-dict keys: ``rpn_conv``, ``rpn_cls`` (``A * 1`` channels with a
    sigmoid loss), ``rpn_reg`` (``A * 4``). Losses are named ``loss_rpn_cls``
    and ``loss_rpn_bbox``; proposals come from the top ``nms_pre`` scores of
    each level, decoded, filtered by ``min_bbox_size``, NMS'ed per level and
    cut to ``max_per_img``.

    Args:
        in_channels: input channels.
        num_classes: must be 1. Defaults to 1.
        num_convs: shared convs (ConvModules when > 1). Defaults to 1.
        init_cfg: init config. Defaults to Normal(std=0.01) on ``Conv2d``.
        **kwargs: see :class:`AnchorHead`.
    """

    def __init__(
        self,
        in_channels: int,
        num_classes: int = 1,
        num_convs: int = 1,
        init_cfg: Union[dict, list, None] = None,
        **kwargs,
    ) -> None:
        if num_classes != 1:
            raise ValueError(f"RPNHead: num_classes must be 1, got {num_classes}")
        self.num_convs = num_convs
        if init_cfg is None:
            init_cfg = dict(type="Normal", layer="Conv2d", std=0.01)
        super().__init__(num_classes, in_channels, init_cfg=init_cfg, **kwargs)

    def _init_layers(self) -> None:
        if self.num_convs > 1:
            convs = []
            for i in range(self.num_convs):
                in_ch = self.in_channels if i == 0 else self.feat_channels
                convs.append(ConvModule(in_ch, self.feat_channels, 3, padding=1, inplace=False))
            self.rpn_conv: nn.Module = nn.Sequential(*convs)
        else:
            self.rpn_conv = nn.Conv2d(self.in_channels, self.feat_channels, 3, padding=1)
        self.rpn_cls = nn.Conv2d(
            self.feat_channels, self.num_base_priors * self.cls_out_channels, 1
        )
        self.rpn_reg = nn.Conv2d(
            self.feat_channels, self.num_base_priors * self.bbox_coder.encode_size, 1
        )

    def forward_single(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """Objectness ``(N, A, H, W)`` and deltas ``(N, A*4, H, W)`` of one level."""
        x = F.relu(self.rpn_conv(x), inplace=True)
        return self.rpn_cls(x), self.rpn_reg(x)

    def loss_by_feat(
        self,
        cls_scores,
        bbox_preds,
        batch_gt_instances,
        batch_img_metas,
        batch_gt_instances_ignore=None,
    ) -> dict[str, Tensor]:  # noqa: ANN001
        """``loss_rpn_cls`` and ``loss_rpn_bbox`` (summed over levels)."""
        losses = super().loss_by_feat(
            cls_scores,
            bbox_preds,
            batch_gt_instances,
            batch_img_metas,
            batch_gt_instances_ignore,
        )
        return dict(loss_rpn_cls=losses["loss_cls"], loss_rpn_bbox=losses["loss_bbox"])

    def _predict_by_feat_single(
        self,
        cls_score_list: list[Tensor],
        bbox_pred_list: list[Tensor],
        mlvl_priors: list[Tensor],
        img_meta: dict,
        cfg: ConfigDict,
        rescale: bool = False,
    ) -> InstanceData:
        """Proposals of one image: ``bboxes (K, 4)``, ``scores (K,)``, ``labels`` (zeros)."""
        nms_pre = cfg.get("nms_pre", -1)
        mlvl_bbox_preds, mlvl_priors_kept, mlvl_scores, level_ids = [], [], [], []
        for level, (cls_score, bbox_pred, priors) in enumerate(
            zip(cls_score_list, bbox_pred_list, mlvl_priors)
        ):
            if cls_score.shape[-2:] != bbox_pred.shape[-2:]:
                raise ValueError("RPNHead: score and delta maps differ in size")
            bbox_pred = bbox_pred.permute(1, 2, 0).reshape(-1, self.bbox_coder.encode_size)
            cls_score = cls_score.permute(1, 2, 0).reshape(-1, self.cls_out_channels)
            if self.use_sigmoid_cls:
                scores = cls_score.sigmoid().reshape(-1)
            else:
                scores = cls_score.softmax(-1)[:, 0]
            if 0 < nms_pre < scores.shape[0]:
                # the nms_pre best, in decreasing order (a partial sort)
                scores, topk = scores.topk(nms_pre)
                bbox_pred = bbox_pred[topk]
                priors = priors[topk]
            mlvl_bbox_preds.append(bbox_pred)
            mlvl_priors_kept.append(priors)
            mlvl_scores.append(scores)
            level_ids.append(scores.new_full((scores.size(0),), level, dtype=torch.long))
        bboxes = self.bbox_coder.decode(
            torch.cat(mlvl_priors_kept), torch.cat(mlvl_bbox_preds), max_shape=img_meta["img_shape"]
        )
        scores = torch.cat(mlvl_scores)
        ids = torch.cat(level_ids)
        if rescale:
            bboxes = scale_boxes(bboxes, [1 / s for s in img_meta["scale_factor"]])
        min_size = cfg.get("min_bbox_size", -1)
        if min_size >= 0:
            w = bboxes[:, 2] - bboxes[:, 0]
            h = bboxes[:, 3] - bboxes[:, 1]
            valid = (w > min_size) & (h > min_size)
            if not valid.all():
                bboxes, scores, ids = bboxes[valid], scores[valid], ids[valid]
        if bboxes.numel() > 0:
            # NMS level by level (split_thr=0) gives the same boxes as one NMS over
            # level-offset boxes but compares ~num_levels times fewer pairs
            nms_cfg = dict(cfg["nms"])
            nms_cfg.setdefault("split_thr", 0)
            dets, keep = batched_nms(bboxes, scores, ids, nms_cfg)
            max_per_img = cfg.get("max_per_img", -1)
            if max_per_img > 0:
                dets, keep = dets[:max_per_img], keep[:max_per_img]
            bboxes, scores = bboxes[keep], dets[:, -1]
        else:
            bboxes, scores = bboxes.new_zeros((0, 4)), scores.new_zeros((0,))
        return InstanceData(
            bboxes=bboxes, scores=scores, labels=scores.new_zeros(len(scores), dtype=torch.long)
        )
