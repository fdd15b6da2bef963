"""Decoupled anchor-free head of YOLOX with SimOTA training."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Optional, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule, DepthwiseSeparableConvModule
from mmengine.config import ConfigDict
from mmengine.dist import all_reduce, get_dist_info
from mmengine.model import BaseModule
from mmengine.structures import InstanceData
from torch import Tensor

from mmtrack.ops import batched_nms
from mmtrack.registry import MODELS, TASK_UTILS
from mmtrack.structures.bbox import bbox_xyxy_to_cxcywh

from ..layers.yolox_cfg import (
    YOLOX_ACT_CFG,
    YOLOX_KAIMING_INIT,
    YOLOX_NORM_CFG,
    OptMapping,
    as_dict,
)
from ..task_modules.prior_generators.point_generator import MlvlPointGenerator

_LOSS_CLS = MappingProxyType(
    dict(type="CrossEntropyLoss", use_sigmoid=True, reduction="sum", loss_weight=1.0)
)
_LOSS_BBOX = MappingProxyType(
    dict(type="IoULoss", mode="square", eps=1e-16, reduction="sum", loss_weight=5.0)
)
_LOSS_L1 = MappingProxyType(dict(type="L1Loss", reduction="sum", loss_weight=1.0))


def _bias_init_with_prob(prior_prob: float) -> float:
    """Bias whose sigmoid is ``prior_prob``."""
    return float(-math.log((1 - prior_prob) / prior_prob))


def _as_config(cfg: Optional[Mapping]) -> Optional[ConfigDict]:
    return None if cfg is None else ConfigDict(dict(cfg))


@MODELS.register_module()
class YOLOXHead(BaseModule):
    """YOLOX head (Ge et al., 2021): decoupled classification/regression towers.

    For each level: ``stacked_convs`` 3x3 convs for classification
    (``multi_level_cls_convs``), the same for regression
    (``multi_level_reg_convs``), and 1x1 predictors for class logits
    (``multi_level_conv_cls``), box deltas (``multi_level_conv_reg``) and
    objectness (``multi_level_conv_obj``) from the regression tower.

    Box decoding at a point prior ``(x, y)`` with stride ``s`` (offset 0):
    centre ``(dx * s + x, dy * s + y)``, size ``(exp(dw) * s, exp(dh) * s)``.

    Training: SimOTA assigns priors (taken at cell centres, ``x + s / 2``) to
    gts; losses, all summed and divided by the number of positives (averaged
    over ranks, at least 1):

    * ``loss_cls``: sigmoid BCE on positives, target ``onehot * IoU``;
    * ``loss_bbox``: IoU loss on positives (``1 - IoU^2``, weight 5);
    * ``loss_obj``: sigmoid BCE on all priors, target 1 on positives;
    * ``loss_l1``: L1 on raw deltas of positives, only when ``use_l1`` is set
      (by :class:`YOLOXModeSwitchHook` in the last epochs).

    Testing: score = ``sigmoid(obj) * max_c sigmoid(cls_c)``, kept if
    ``>= test_cfg.score_thr``, then class-wise NMS (``test_cfg.nms``).

    Args:
        num_classes: number of classes (no background).
        in_channels: channels of each input level.
        feat_channels: channels of the stacked convs. Defaults to 256.
        stacked_convs: convs per tower. Defaults to 2.
        strides: stride of each level. Defaults to (8, 16, 32).
        use_depthwise: depthwise separable tower convs. Defaults to False.
        dcn_on_last_conv: not supported (there is no deformable conv op);
            must be False. Defaults to False.
        conv_bias: bias in tower convs; ``'auto'`` means none when normed.
            Defaults to ``'auto'``.
        conv_cfg: conv layer config. Defaults to None.
        norm_cfg: norm layer config. Defaults to BN(momentum=0.03, eps=0.001).
        act_cfg: activation config. Defaults to Swish.
        loss_cls: classification loss. Defaults to sigmoid ``CrossEntropyLoss``
            (sum, weight 1).
        loss_bbox: box loss. Defaults to ``IoULoss(mode='square', eps=1e-16)``
            (sum, weight 5).
        loss_obj: objectness loss. Defaults to sigmoid ``CrossEntropyLoss``
            (sum, weight 1).
        loss_l1: extra L1 loss. Defaults to ``L1Loss`` (sum, weight 1).
        train_cfg: needs ``assigner`` (e.g. ``SimOTAAssigner``). Defaults to None.
        test_cfg: ``score_thr`` and ``nms`` (``dict(type='nms',
            iou_threshold=...)``). Defaults to None.
        init_cfg: initialisation config. Defaults to Kaiming-uniform on every
            ``Conv2d``; classification/objectness biases then start at
            ``logit(0.01)``.
    """

    def __init__(
        self,
        num_classes: int,
        in_channels: int,
        feat_channels: int = 256,
        stacked_convs: int = 2,
        strides: Sequence[int] = (8, 16, 32),
        use_depthwise: bool = False,
        dcn_on_last_conv: bool = False,
        conv_bias: Union[bool, str] = "auto",
        conv_cfg: Optional[dict] = None,
        norm_cfg: OptMapping = YOLOX_NORM_CFG,
        act_cfg: OptMapping = YOLOX_ACT_CFG,
        loss_cls: Mapping = _LOSS_CLS,
        loss_bbox: Mapping = _LOSS_BBOX,
        loss_obj: Mapping = _LOSS_CLS,
        loss_l1: Mapping = _LOSS_L1,
        train_cfg: Optional[Mapping] = None,
        test_cfg: Optional[Mapping] = None,
        init_cfg: Union[Mapping, list, None] = YOLOX_KAIMING_INIT,
    ) -> None:
        super().__init__(as_dict(init_cfg))
        if dcn_on_last_conv:
            raise ValueError(
                "YOLOXHead: dcn_on_last_conv=True needs deformable convolution, "
                "which mmtrack does not provide"
            )
        if not (conv_bias == "auto" or isinstance(conv_bias, bool)):
            raise ValueError(f"YOLOXHead: conv_bias must be 'auto' or a bool, got {conv_bias!r}")
        self.num_classes = num_classes
        self.cls_out_channels = num_classes
        self.in_channels = in_channels
        self.feat_channels = feat_channels
        self.stacked_convs = stacked_convs
        self.strides = tuple(strides)
        self.use_depthwise = use_depthwise
        self.dcn_on_last_conv = dcn_on_last_conv
        self.conv_bias = conv_bias
        self.use_sigmoid_cls = True
        self.conv_cfg = conv_cfg
        self.norm_cfg = as_dict(norm_cfg)
        self.act_cfg = as_dict(act_cfg)

        self.loss_cls = MODELS.build(as_dict(loss_cls))
        self.loss_bbox = MODELS.build(as_dict(loss_bbox))
        self.loss_obj = MODELS.build(as_dict(loss_obj))
        self.use_l1 = False  # switched on by YOLOXModeSwitchHook
        self.loss_l1 = MODELS.build(as_dict(loss_l1))

        self.prior_generator = MlvlPointGenerator(self.strides, offset=0)
        self.train_cfg = _as_config(train_cfg)
        self.test_cfg = _as_config(test_cfg)
        self.assigner = None
        if self.train_cfg and "assigner" in self.train_cfg:
            self.assigner = TASK_UTILS.build(self.train_cfg["assigner"])
        self._init_layers()

    # ------------------------------------------------------------------ layers
    def _init_layers(self) -> None:
        self.multi_level_cls_convs = nn.ModuleList()
        self.multi_level_reg_convs = nn.ModuleList()
        self.multi_level_conv_cls = nn.ModuleList()
        self.multi_level_conv_reg = nn.ModuleList()
        self.multi_level_conv_obj = nn.ModuleList()
        for _ in self.strides:
            self.multi_level_cls_convs.append(self._build_stacked_convs())
            self.multi_level_reg_convs.append(self._build_stacked_convs())
            self.multi_level_conv_cls.append(
                nn.Conv2d(self.feat_channels, self.cls_out_channels, 1)
            )
            self.multi_level_conv_reg.append(nn.Conv2d(self.feat_channels, 4, 1))
            self.multi_level_conv_obj.append(nn.Conv2d(self.feat_channels, 1, 1))

    def _build_stacked_convs(self) -> nn.Sequential:
        conv = DepthwiseSeparableConvModule if self.use_depthwise else ConvModule
        return nn.Sequential(
            *[
                conv(
                    self.in_channels if i == 0 else self.feat_channels,
                    self.feat_channels,
                    3,
                    stride=1,
                    padding=1,
                    conv_cfg=self.conv_cfg,
                    norm_cfg=self.norm_cfg,
                    act_cfg=self.act_cfg,
                    bias=self.conv_bias,
                )
                for i in range(self.stacked_convs)
            ]
        )

    def init_weights(self) -> None:
        """Kaiming init, then the ``logit(0.01)`` prior on cls/obj biases."""
        super().init_weights()
        bias_init = _bias_init_with_prob(0.01)
        for conv_cls, conv_obj in zip(self.multi_level_conv_cls, self.multi_level_conv_obj):
            conv_cls.bias.data.fill_(bias_init)
            conv_obj.bias.data.fill_(bias_init)

    # ----------------------------------------------------------------- forward
    def forward(self, x: Sequence[Tensor]) -> tuple[list[Tensor], list[Tensor], list[Tensor]]:
        """Per-level raw outputs.

        Args:
            x: one ``(N, in_channels, H_i, W_i)`` map per stride.

        Returns:
            ``cls_scores`` ``(N, num_classes, H_i, W_i)``, ``bbox_preds``
            ``(N, 4, H_i, W_i)`` and ``objectnesses`` ``(N, 1, H_i, W_i)``
            logits, one list entry per level.
        """
        if len(x) != len(self.strides):
            raise ValueError(f"YOLOXHead: expected {len(self.strides)} levels, got {len(x)}")
        cls_scores, bbox_preds, objectnesses = [], [], []
        for i, feat in enumerate(x):
            cls_feat = self.multi_level_cls_convs[i](feat)
            reg_feat = self.multi_level_reg_convs[i](feat)
            cls_scores.append(self.multi_level_conv_cls[i](cls_feat))
            bbox_preds.append(self.multi_level_conv_reg[i](reg_feat))
            objectnesses.append(self.multi_level_conv_obj[i](reg_feat))
        return cls_scores, bbox_preds, objectnesses

    def _flatten(
        self,
        cls_scores: Sequence[Tensor],
        bbox_preds: Sequence[Tensor],
        objectnesses: Sequence[Tensor],
    ) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """Flatten all levels: ``(N, P, C)``, ``(N, P, 4)``, ``(N, P)`` and priors ``(P, 4)``."""
        num_imgs = cls_scores[0].shape[0]
        featmap_sizes = [cls_score.shape[2:] for cls_score in cls_scores]
        priors = self.prior_generator.grid_priors(
            featmap_sizes,
            dtype=cls_scores[0].dtype,
            device=cls_scores[0].device,
            with_stride=True,
        )
        flat_cls = torch.cat(
            [
                c.permute(0, 2, 3, 1).reshape(num_imgs, -1, self.cls_out_channels)
                for c in cls_scores
            ],
            dim=1,
        )
        flat_reg = torch.cat(
            [b.permute(0, 2, 3, 1).reshape(num_imgs, -1, 4) for b in bbox_preds], dim=1
        )
        flat_obj = torch.cat(
            [o.permute(0, 2, 3, 1).reshape(num_imgs, -1) for o in objectnesses], dim=1
        )
        return flat_cls, flat_reg, flat_obj, torch.cat(priors)

    @staticmethod
    def _bbox_decode(priors: Tensor, bbox_preds: Tensor) -> Tensor:
        """Deltas ``(..., P, 4)`` at priors ``(P, 4)`` -> xyxy boxes ``(..., P, 4)``."""
        xys = bbox_preds[..., :2] * priors[:, 2:] + priors[:, :2]
        whs = bbox_preds[..., 2:].exp() * priors[:, 2:]
        return torch.cat([xys - whs / 2, xys + whs / 2], dim=-1)

    # ----------------------------------------------------------------- predict
    def predict(
        self, x: Sequence[Tensor], batch_data_samples: Sequence, rescale: bool = False
    ) -> list[InstanceData]:
        """Detections of each image (see :meth:`predict_by_feat`)."""
        batch_img_metas = [sample.metainfo for sample in batch_data_samples]
        return self.predict_by_feat(*self(x), batch_img_metas=batch_img_metas, rescale=rescale)

    def predict_by_feat(
        self,
        cls_scores: Sequence[Tensor],
        bbox_preds: Sequence[Tensor],
        objectnesses: Sequence[Tensor],
        batch_img_metas: Sequence[dict],
        cfg: Optional[dict] = None,
        rescale: bool = False,
        with_nms: bool = True,
    ) -> list[InstanceData]:
        """Turn raw outputs into detections.

        Args:
            cls_scores, bbox_preds, objectnesses: outputs of :meth:`forward`.
            batch_img_metas: metainfo of each image (``scale_factor``
                ``(w_scale, h_scale)`` is needed with ``rescale``).
            cfg: test config; defaults to ``self.test_cfg``.
            rescale: divide boxes by ``scale_factor`` (back to the original
                image). Defaults to False.
            with_nms: run class-wise NMS. Defaults to True.

        Returns:
            Per image, ``InstanceData`` with ``bboxes`` ``(K, 4)`` xyxy,
            ``scores`` ``(K,)`` (objectness x class score) and ``labels`` ``(K,)``,
            sorted by score when NMS is applied.
        """
        cfg = _as_config(cfg) if cfg is not None else self.test_cfg
        if cfg is None:
            raise ValueError("YOLOXHead: test_cfg (score_thr, nms) is required for prediction")
        flat_cls, flat_reg, flat_obj, priors = self._flatten(cls_scores, bbox_preds, objectnesses)
        flat_cls = flat_cls.sigmoid()
        flat_obj = flat_obj.sigmoid()
        flat_bboxes = self._bbox_decode(priors, flat_reg)
        score_thr = cfg.get("score_thr", 0.0)

        results_list = []
        for img_id, img_meta in enumerate(batch_img_metas):
            max_scores, labels = torch.max(flat_cls[img_id], 1)
            scores = max_scores * flat_obj[img_id]
            valid = scores >= score_thr
            results = InstanceData(
                bboxes=flat_bboxes[img_id][valid], scores=scores[valid], labels=labels[valid]
            )
            results_list.append(self._bbox_post_process(results, cfg, rescale, with_nms, img_meta))
        return results_list

    def _bbox_post_process(
        self,
        results: InstanceData,
        cfg: ConfigDict,
        rescale: bool = False,
        with_nms: bool = True,
        img_meta: Optional[dict] = None,
    ) -> InstanceData:
        """Rescale to the original image, then class-wise NMS."""
        if rescale:
            scale_factor = (img_meta or {}).get("scale_factor")
            if scale_factor is None:
                raise ValueError(
                    "YOLOXHead: rescale=True needs 'scale_factor' in the image metainfo"
                )
            results.bboxes = results.bboxes / results.bboxes.new_tensor(scale_factor).repeat(2)
        if with_nms and results.bboxes.numel() > 0:
            det_bboxes, keep = batched_nms(
                results.bboxes, results.scores, results.labels, cfg.get("nms")
            )
            results = results[keep]
            results.scores = det_bboxes[:, -1]
        return results

    # -------------------------------------------------------------------- loss
    def loss(self, x: Sequence[Tensor], batch_data_samples: Sequence) -> dict[str, Tensor]:
        """Losses from features and data samples carrying ``gt_instances``."""
        batch_gt_instances = [sample.gt_instances for sample in batch_data_samples]
        batch_img_metas = [sample.metainfo for sample in batch_data_samples]
        batch_gt_ignore = [
            sample.ignored_instances if "ignored_instances" in sample else None
            for sample in batch_data_samples
        ]
        return self.loss_by_feat(*self(x), batch_gt_instances, batch_img_metas, batch_gt_ignore)

    def loss_by_feat(
        self,
        cls_scores: Sequence[Tensor],
        bbox_preds: Sequence[Tensor],
        objectnesses: Sequence[Tensor],
        batch_gt_instances: Sequence[InstanceData],
        batch_img_metas: Sequence[dict],
        batch_gt_instances_ignore: Optional[Sequence[Optional[InstanceData]]] = None,
    ) -> dict[str, Tensor]:
        """Compute the losses (see the class docstring).

        Args:
            cls_scores, bbox_preds, objectnesses: outputs of :meth:`forward`.
            batch_gt_instances: per image, ``bboxes`` ``(G, 4)`` xyxy in input
                pixels and ``labels`` ``(G,)``.
            batch_img_metas: per image metainfo.
            batch_gt_instances_ignore: per image ignored instances (unused by
                SimOTA). Defaults to None.

        Returns:
            ``loss_cls``, ``loss_bbox``, ``loss_obj`` and, with ``use_l1``,
            ``loss_l1`` (scalars).
        """
        if self.assigner is None:
            raise ValueError("YOLOXHead: train_cfg.assigner is required to compute losses")
        num_imgs = len(batch_img_metas)
        if batch_gt_instances_ignore is None:
            batch_gt_instances_ignore = [None] * num_imgs
        flat_cls, flat_reg, flat_obj, priors = self._flatten(cls_scores, bbox_preds, objectnesses)
        flat_bboxes = self._bbox_decode(priors, flat_reg)

        targets = [
            self._get_targets_single(
                priors,
                flat_cls[i].detach(),
                flat_bboxes[i].detach(),
                flat_obj[i].detach(),
                batch_gt_instances[i],
                batch_img_metas[i],
                batch_gt_instances_ignore[i],
            )
            for i in range(num_imgs)
        ]
        pos_masks, cls_targets, obj_targets, bbox_targets, l1_targets, num_fg = zip(*targets)

        num_pos = torch.tensor(float(sum(num_fg)), device=flat_cls.device)
        if get_dist_info()[1] > 1:
            all_reduce(num_pos, op="mean")
        num_total_samples = max(float(num_pos), 1.0)

        pos_masks = torch.cat(pos_masks, 0)
        cls_targets = torch.cat(cls_targets, 0)
        obj_targets = torch.cat(obj_targets, 0)
        bbox_targets = torch.cat(bbox_targets, 0)

        loss_obj = self.loss_obj(flat_obj.view(-1, 1), obj_targets) / num_total_samples
        if sum(num_fg) > 0:
            loss_cls = (
                self.loss_cls(flat_cls.view(-1, self.num_classes)[pos_masks], cls_targets)
                / num_total_samples
            )
            loss_bbox = (
                self.loss_bbox(flat_bboxes.view(-1, 4)[pos_masks], bbox_targets) / num_total_samples
            )
        else:
            # keep the branches in the graph when there is no ground truth
            loss_cls = flat_cls.sum() * 0
            loss_bbox = flat_bboxes.sum() * 0
        losses = dict(loss_cls=loss_cls, loss_bbox=loss_bbox, loss_obj=loss_obj)

        if self.use_l1:
            if sum(num_fg) > 0:
                l1_targets = torch.cat(l1_targets, 0)
                losses["loss_l1"] = (
                    self.loss_l1(flat_reg.view(-1, 4)[pos_masks], l1_targets) / num_total_samples
                )
            else:
                losses["loss_l1"] = flat_reg.sum() * 0
        return losses

    @torch.no_grad()
    def _get_targets_single(
        self,
        priors: Tensor,
        cls_preds: Tensor,
        decoded_bboxes: Tensor,
        objectness: Tensor,
        gt_instances: InstanceData,
        img_meta: dict,
        gt_instances_ignore: Optional[InstanceData] = None,
    ) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor, int]:
        """Targets of one image.

        Args:
            priors: ``(P, 4)`` ``(x, y, stride_w, stride_h)`` (cell corners).
            cls_preds: ``(P, C)`` class logits.
            decoded_bboxes: ``(P, 4)`` xyxy predictions.
            objectness: ``(P,)`` objectness logits.
            gt_instances: ``bboxes`` ``(G, 4)`` and ``labels`` ``(G,)``.
            img_meta: image metainfo (unused).
            gt_instances_ignore: ignored instances (unused). Defaults to None.

        Returns:
            ``pos_mask`` ``(P,)`` bool, ``cls_target`` ``(F, C)`` (one-hot times
            IoU), ``obj_target`` ``(P, 1)``, ``bbox_target`` ``(F, 4)`` xyxy,
            ``l1_target`` ``(F, 4)`` and the number of positives ``F``.
        """
        num_priors = priors.size(0)
        num_gts = len(gt_instances)
        if num_gts == 0:
            return (
                cls_preds.new_zeros(num_priors).bool(),
                cls_preds.new_zeros((0, self.num_classes)),
                cls_preds.new_zeros((num_priors, 1)),
                cls_preds.new_zeros((0, 4)),
                cls_preds.new_zeros((0, 4)),
                0,
            )
        # assign with cell-centre priors, regress from cell-corner priors
        offset_priors = torch.cat([priors[:, :2] + priors[:, 2:] * 0.5, priors[:, 2:]], dim=-1)
        scores = (cls_preds.sigmoid() * objectness.unsqueeze(1).sigmoid()).sqrt()
        pred_instances = InstanceData(bboxes=decoded_bboxes, scores=scores, priors=offset_priors)
        assign_result = self.assigner.assign(
            pred_instances=pred_instances,
            gt_instances=gt_instances,
            gt_instances_ignore=gt_instances_ignore,
        )
        pos_inds = torch.nonzero(assign_result.gt_inds > 0, as_tuple=False).squeeze(-1).unique()
        num_pos = pos_inds.numel()
        pos_assigned = assign_result.gt_inds[pos_inds] - 1
        gt_bboxes = gt_instances.bboxes
        pos_gt_bboxes = gt_bboxes[pos_assigned].reshape(-1, 4)
        pos_gt_labels = gt_instances.labels[pos_assigned].long()
        pos_ious = assign_result.max_overlaps[pos_inds]

        cls_target = F.one_hot(pos_gt_labels, self.num_classes).to(cls_preds.dtype)
        cls_target = cls_target * pos_ious.unsqueeze(-1).to(cls_preds.dtype)
        obj_target = torch.zeros_like(objectness).unsqueeze(-1)
        obj_target[pos_inds] = 1
        l1_target = cls_preds.new_zeros((num_pos, 4))
        if self.use_l1:
            l1_target = self._get_l1_target(l1_target, pos_gt_bboxes, priors[pos_inds])
        pos_mask = torch.zeros_like(objectness, dtype=torch.bool)
        pos_mask[pos_inds] = True
        return pos_mask, cls_target, obj_target, pos_gt_bboxes, l1_target, num_pos

    @staticmethod
    def _get_l1_target(
        l1_target: Tensor, gt_bboxes: Tensor, priors: Tensor, eps: float = 1e-8
    ) -> Tensor:
        """Raw-delta targets: ``((c - p) / s, log(wh / s + eps))``, ``(F, 4)``."""
        gt_cxcywh = bbox_xyxy_to_cxcywh(gt_bboxes)
        l1_target[:, :2] = (gt_cxcywh[:, :2] - priors[:, :2]) / priors[:, 2:]
        l1_target[:, 2:] = torch.log(gt_cxcywh[:, 2:] / priors[:, 2:] + eps)
        return l1_target
