"""Siamese RPN head of SiamRPN++ (MMTracking's ``SiameseRPNHead``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Optional

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from mmengine.structures import InstanceData
from torch import Tensor

from mmtrack.registry import MODELS, TASK_UTILS
from mmtrack.structures.bbox.transforms import bbox_xyxy_to_cxcywh

from .correlation_head import CorrelationHead


@MODELS.register_module()
class SiameseRPNHead(BaseModule):
    """Anchor classification and regression from depth-wise correlations.

    One :class:`CorrelationHead` pair (``cls_heads.i``, ``reg_heads.i``) per
    feature level; the level outputs are averaged, or summed with softmax
    weights ``cls_weight`` / ``reg_weight`` with ``weighted_sum``.

    Training targets (MMTracking 0.14 / 1.x): anchors are centred on the
    search image centre. A positive pair assigns anchors by IoU with the
    search gt (``train_cfg.assigner``), samples at most ``sampler.num``
    anchors (``pos_fraction`` positive) and weights positives
    ``1 / (2 P)`` and negatives ``1 / (2 Q)`` in the classification loss,
    positives ``1 / P`` in the L1 delta loss. A negative pair (template and
    search of different objects) gets ``train_cfg.num_neg`` random negatives
    among the anchors of the 7 x 7 locations around the gt. Weights are then
    divided by the batch size.

    Args:
        anchor_generator: :class:`SiameseRPNAnchorGenerator` config.
        in_channels: channels of each level.
        kernel_size: correlation-head input conv size. Defaults to 3.
        norm_cfg: norm config. Defaults to ``dict(type='BN')``.
        weighted_sum: learnable level weights. Defaults to False.
        bbox_coder: box coder config. Defaults to ``DeltaXYWHBBoxCoder``
            (means 0, stds 1).
        loss_cls: classification loss. Defaults to CrossEntropyLoss (sum).
        loss_bbox: regression loss. Defaults to L1Loss (sum, weight 1.2).
        train_cfg: ``assigner``, ``sampler``, ``num_neg``, ``exemplar_size``,
            ``search_size``. Defaults to None (inference only).
        test_cfg: ``penalty_k``, ``window_influence``, ``lr``. Defaults to None.
        init_cfg: init config. Defaults to None.
    """

    def __init__(
        self,
        anchor_generator: dict,
        in_channels: Sequence[int],
        kernel_size: int = 3,
        norm_cfg: Optional[dict] = None,
        weighted_sum: bool = False,
        bbox_coder: Optional[dict] = None,
        loss_cls: Optional[dict] = None,
        loss_bbox: Optional[dict] = None,
        train_cfg: Optional[dict] = None,
        test_cfg: Optional[dict] = None,
        init_cfg: Optional[dict] = None,
        **kwargs,
    ) -> None:
        super().__init__(init_cfg)
        norm_cfg = dict(type="BN") if norm_cfg is None else norm_cfg
        self.anchor_generator = TASK_UTILS.build(anchor_generator)
        self.bbox_coder = TASK_UTILS.build(
            bbox_coder
            or dict(type="DeltaXYWHBBoxCoder", target_means=[0.0] * 4, target_stds=[1.0] * 4)
        )
        self.train_cfg = train_cfg
        self.test_cfg = test_cfg
        if train_cfg is not None:
            self.assigner = TASK_UTILS.build(train_cfg["assigner"])
            self.sampler = TASK_UTILS.build(train_cfg["sampler"])
        num_anchors = self.anchor_generator.num_base_anchors[0]
        self.cls_heads = nn.ModuleList()
        self.reg_heads = nn.ModuleList()
        for channels in in_channels:
            self.cls_heads.append(
                CorrelationHead(channels, channels, 2 * num_anchors, kernel_size, norm_cfg)
            )
            self.reg_heads.append(
                CorrelationHead(channels, channels, 4 * num_anchors, kernel_size, norm_cfg)
            )
        self.weighted_sum = weighted_sum
        if weighted_sum:
            self.cls_weight = nn.Parameter(torch.ones(len(in_channels)))
            self.reg_weight = nn.Parameter(torch.ones(len(in_channels)))
        self.loss_cls = MODELS.build(
            loss_cls or dict(type="CrossEntropyLoss", reduction="sum", loss_weight=1.0)
        )
        self.loss_bbox = MODELS.build(
            loss_bbox or dict(type="L1Loss", reduction="sum", loss_weight=1.2)
        )
        self._anchor_cache: dict = {}

    def forward(
        self, template_feats: Sequence[Tensor], search_feats: Sequence[Tensor]
    ) -> tuple[Tensor, Tensor]:
        """Scores and deltas.

        Args:
            template_feats: per level ``(N, C, Hz, Wz)`` (7 x 7 for SiamRPN++).
            search_feats: per level ``(N, C, Hx, Wx)`` (31 x 31).

        Returns:
            ``cls_score`` ``(N, 2 A, H, W)`` and ``bbox_pred`` ``(N, 4 A, H, W)``
            (25 x 25), channel ``k * A + a`` holding component ``k`` of anchor ``a``.
        """
        if len(template_feats) != len(search_feats) or len(template_feats) != len(self.cls_heads):
            raise ValueError(
                f"SiameseRPNHead: {len(template_feats)} template and {len(search_feats)} search "
                f"levels for {len(self.cls_heads)} heads"
            )
        num = len(template_feats)
        if self.weighted_sum:
            cls_w = nn.functional.softmax(self.cls_weight, dim=0)
            reg_w = nn.functional.softmax(self.reg_weight, dim=0)
        else:
            cls_w = reg_w = [1.0 / num] * num
        cls_score: Tensor = 0  # type: ignore[assignment]
        bbox_pred: Tensor = 0  # type: ignore[assignment]
        for i in range(num):
            cls_score = cls_score + cls_w[i] * self.cls_heads[i](template_feats[i], search_feats[i])
            bbox_pred = bbox_pred + reg_w[i] * self.reg_heads[i](template_feats[i], search_feats[i])
        return cls_score, bbox_pred

    # ----------------------------------------------------------------- anchors
    def centred_anchors(self, featmap_size: tuple[int, int], device: torch.device) -> Tensor:
        """``(H * W * A, 4)`` x1y1x2y2 anchors with the origin at the map centre."""
        key = (int(featmap_size[0]), int(featmap_size[1]), str(device))
        if key not in self._anchor_cache:
            anchors = self.anchor_generator.grid_priors([featmap_size], device=device)[0]
            feat_h, feat_w = featmap_size
            stride_w, stride_h = self.anchor_generator.strides[0]
            anchors[:, 0:4:2] -= (feat_w // 2) * stride_w
            anchors[:, 1:4:2] -= (feat_h // 2) * stride_h
            self._anchor_cache[key] = anchors
        return self._anchor_cache[key]

    # ----------------------------------------------------------------- targets
    def _positive_targets(
        self, gt: InstanceData, size: tuple[int, int]
    ) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        device = gt.bboxes.device
        anchors = self.centred_anchors(size, device) + self.train_cfg["search_size"] // 2
        num = anchors.size(0)
        labels = torch.zeros(num, dtype=torch.long, device=device)
        label_w = anchors.new_zeros(num)
        bbox_t = anchors.new_zeros(num, 4)
        bbox_w = anchors.new_zeros(num, 4)
        pred = InstanceData(priors=anchors)
        assign = self.assigner.assign(pred, gt)
        sampling = self.sampler.sample(assign, pred, gt)
        pos, neg = sampling.pos_inds, sampling.neg_inds
        neg = neg[: int(self.sampler.num * (1 - self.sampler.pos_fraction))]
        if len(pos):
            labels[pos] = 1
            label_w[pos] = 1.0 / len(pos) / 2
            bbox_w[pos] = 1.0 / len(pos)
            bbox_t[pos] = self.bbox_coder.encode(sampling.pos_priors, sampling.pos_gt_bboxes)
        if len(neg):
            label_w[neg] = 1.0 / len(neg) / 2
        return labels, label_w, bbox_t, bbox_w

    def _negative_targets(
        self, gt: InstanceData, size: tuple[int, int]
    ) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        device = gt.bboxes.device
        h, w = size
        num_base = self.anchor_generator.num_base_anchors[0]
        num = h * w * num_base
        labels = torch.zeros(num, dtype=torch.long, device=device)
        label_w = torch.zeros(num, device=device)
        stride_w, stride_h = self.anchor_generator.strides[0]
        cx, cy = bbox_xyxy_to_cxcywh(gt.bboxes)[0, :2].tolist()
        half = self.train_cfg["search_size"] // 2
        gx = w // 2 + int(torch.ceil(torch.tensor((cx - half) / stride_w + 0.5)))
        gy = h // 2 + int(torch.ceil(torch.tensor((cy - half) / stride_h + 0.5)))
        near = torch.zeros(h, w, num_base, dtype=torch.bool, device=device)
        near[max(0, gy - 3) : min(h, gy + 4), max(0, gx - 3) : min(w, gx + 4)] = True
        cand = torch.nonzero(near.view(-1), as_tuple=False)[:, 0]
        neg = cand[torch.randperm(cand.numel(), device=device)[: self.train_cfg["num_neg"]]]
        if len(neg):
            label_w[neg] = 1.0 / len(neg) / 2
        zeros = torch.zeros(num, 4, device=device)
        return labels, label_w, zeros, zeros.clone()

    def get_targets(
        self, batch_gt_instances: Sequence[InstanceData], size: tuple[int, int]
    ) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """Targets of a batch of search frames.

        Args:
            batch_gt_instances: per pair ``bboxes`` ``(1, 4)`` x1y1x2y2 search
                pixels and ``labels`` ``(1,)`` (1 positive pair, 0 negative).
            size: ``(H, W)`` of the score map.

        Returns:
            ``labels`` ``(N, H W A)``, ``label_weights`` ``(N, H W A)``,
            ``bbox_targets`` ``(N, H W A, 4)``, ``bbox_weights`` ``(N, H W A, 4)``
            (anchors location-major), weights divided by ``N``.
        """
        if self.train_cfg is None:
            raise ValueError("SiameseRPNHead: get_targets needs a train_cfg")
        out = []
        for gt in batch_gt_instances:
            positive = bool(gt.labels[0]) if "labels" in gt and len(gt.labels) else True
            if positive:
                out.append(self._positive_targets(gt, size))
            else:
                out.append(self._negative_targets(gt, size))
        labels, label_w, bbox_t, bbox_w = (torch.stack(x) for x in zip(*out))
        n = len(batch_gt_instances)
        return labels, label_w / n, bbox_t, bbox_w / n

    def loss_by_feat(
        self, cls_score: Tensor, bbox_pred: Tensor, batch_gt_instances: Sequence[InstanceData]
    ) -> dict[str, Tensor]:
        """``loss_rpn_cls`` (cross-entropy) and ``loss_rpn_bbox`` (L1 on deltas)."""
        n, _, h, w = cls_score.shape
        labels, label_w, bbox_t, bbox_w = self.get_targets(batch_gt_instances, (h, w))
        cls = cls_score.view(n, 2, -1, h, w).permute(0, 3, 4, 2, 1).reshape(-1, 2)
        reg = bbox_pred.view(n, 4, -1, h, w).permute(0, 3, 4, 2, 1).reshape(-1, 4)
        return dict(
            loss_rpn_cls=self.loss_cls(cls.float(), labels.view(-1), weight=label_w.view(-1)),
            loss_rpn_bbox=self.loss_bbox(
                reg.float(), bbox_t.view(-1, 4), weight=bbox_w.view(-1, 4)
            ),
        )

    # --------------------------------------------------------------- inference
    def get_bbox(
        self, cls_score: Tensor, bbox_pred: Tensor, prev_bbox: Tensor, scale_factor: float
    ) -> tuple[Tensor, Tensor]:
        """Best box of one search image (pysot / MMTracking post-processing).

        Scores are softmaxed, deltas decoded on the centred anchors; each
        score is multiplied by ``exp(-(r s - 1) penalty_k)`` (``r``: change
        of aspect ratio, ``s``: change of the padded size, both as
        ``max(x, 1 / x)`` against the previous box), blended with the Hann
        window (``window_influence``); the best anchor gives the new centre
        (offset from ``prev_bbox``'s) and a size moved from the previous one
        by ``lr * penalty * score``.

        Args:
            cls_score: ``(1, 2 A, H, W)``.
            bbox_pred: ``(1, 4 A, H, W)``.
            prev_bbox: ``(4,)`` cx, cy, w, h image pixels.
            scale_factor: search-crop pixels per image pixel.

        Returns:
            ``(best_score, best_bbox)``: the raw score ``()`` and the ``(4,)``
            cx, cy, w, h box in image pixels (not clipped).
        """
        cfg = self.test_cfg or {}
        _, _, h, w = cls_score.shape
        anchors = self.centred_anchors((h, w), cls_score.device)
        window_key = ("window", h, w, str(cls_score.device))
        if window_key not in self._anchor_cache:
            self._anchor_cache[window_key] = self.anchor_generator.gen_2d_hanning_windows(
                [(h, w)], cls_score.device
            )[0].float()
        window = self._anchor_cache[window_key]
        scores = cls_score.view(2, -1, h, w).permute(2, 3, 1, 0).reshape(-1, 2).softmax(dim=1)[:, 1]
        deltas = bbox_pred.view(4, -1, h, w).permute(2, 3, 1, 0).reshape(-1, 4)
        boxes = bbox_xyxy_to_cxcywh(self.bbox_coder.decode(anchors, deltas))

        def change(r: Tensor) -> Tensor:
            return torch.max(r, 1.0 / r)

        def padded(bw: Tensor, bh: Tensor) -> Tensor:
            pad = (bw + bh) * 0.5
            return torch.sqrt((bw + pad) * (bh + pad))

        scale_pen = change(
            padded(boxes[:, 2], boxes[:, 3])
            / padded(prev_bbox[2] * scale_factor, prev_bbox[3] * scale_factor)
        )
        ratio_pen = change((prev_bbox[2] / prev_bbox[3]) / (boxes[:, 2] / boxes[:, 3]))
        penalty = torch.exp(-(ratio_pen * scale_pen - 1) * float(cfg.get("penalty_k", 0.05)))
        # a box that decodes to zero width or height (far-off deltas lose float32
        # precision) gives 0 / 0: weigh it 0 instead of letting argmax pick NaN
        penalty = torch.nan_to_num(penalty, nan=0.0)
        influence = float(cfg.get("window_influence", 0.42))
        final = penalty * scores * (1 - influence) + window * influence
        best = int(torch.argmax(final))
        best_box = boxes[best] / scale_factor
        lr = penalty[best] * scores[best] * float(cfg.get("lr", 0.38))
        out = torch.stack(
            [
                best_box[0] + prev_bbox[0],
                best_box[1] + prev_bbox[1],
                prev_bbox[2] * (1 - lr) + best_box[2] * lr,
                prev_bbox[3] * (1 - lr) + best_box[3] * lr,
            ]
        )
        return scores[best], out
