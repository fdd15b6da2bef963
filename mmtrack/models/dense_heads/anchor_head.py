"""Anchor-based dense head: targets, losses and box decoding (base of ``RPNHead``)."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Optional, Union

import torch
import torch.nn as nn
from mmengine.config import ConfigDict
from mmengine.model import BaseModule
from mmengine.structures import InstanceData
from torch import Tensor

from mmtrack.registry import MODELS, TASK_UTILS
from mmtrack.structures.bbox import scale_boxes

from ..layers.misc import multi_apply, select_single_mlvl, unmap, unpack_gt_instances
from ..task_modules.prior_generators.utils import anchor_inside_flags, images_to_levels

_ANCHOR_GENERATOR = dict(
    type="AnchorGenerator", scales=[8, 16, 32], ratios=[0.5, 1.0, 2.0], strides=[4, 8, 16, 32, 64]
)
_BBOX_CODER = dict(
    type="DeltaXYWHBBoxCoder",
    clip_border=True,
    target_means=(0.0, 0.0, 0.0, 0.0),
    target_stds=(1.0, 1.0, 1.0, 1.0),
)
_LOSS_CLS = dict(type="CrossEntropyLoss", use_sigmoid=True, loss_weight=1.0)
_LOSS_BBOX = dict(type="SmoothL1Loss", beta=1.0 / 9.0, loss_weight=1.0)


def _cfg(cfg: Optional[dict], default: dict) -> dict:
    return copy.deepcopy(default) if cfg is None else copy.deepcopy(dict(cfg))


class AnchorHead(BaseModule):
    """Dense head predicting a class score and box deltas for every anchor.

    Subclasses create ``self.rpn_conv``-style layers in :meth:`_init_layers`
    and implement :meth:`forward_single`.

    Args:
        num_classes: number of object classes (1 for RPN).
        in_channels: input feature channels.
        feat_channels: hidden channels. Defaults to 256.
        anchor_generator: prior generator config. Defaults to 3 scales x 3
            ratios on strides 4-64.
        bbox_coder: box coder config. Defaults to ``DeltaXYWHBBoxCoder``.
        reg_decoded_bbox: compute the box loss on decoded boxes. Defaults to False.
        loss_cls: classification loss config. Defaults to sigmoid CE.
        loss_bbox: box loss config. Defaults to ``SmoothL1Loss(beta=1/9)``.
        train_cfg: ``assigner``, ``sampler``, ``allowed_border``, ``pos_weight``.
            Defaults to None.
        test_cfg: ``nms_pre``, ``max_per_img``, ``nms``, ``min_bbox_size``.
            Defaults to None.
        init_cfg: init config. Defaults to Normal(std=0.01) on ``Conv2d``.
    """

    def __init__(
        self,
        num_classes: int,
        in_channels: int,
        feat_channels: int = 256,
        anchor_generator: Optional[dict] = None,
        bbox_coder: Optional[dict] = None,
        reg_decoded_bbox: bool = False,
        loss_cls: Optional[dict] = None,
        loss_bbox: Optional[dict] = None,
        train_cfg: Optional[dict] = None,
        test_cfg: Optional[dict] = None,
        init_cfg: Union[dict, list, None] = None,
    ) -> None:
        if init_cfg is None:
            init_cfg = dict(type="Normal", layer="Conv2d", std=0.01)
        super().__init__(init_cfg)
        self.in_channels = in_channels
        self.num_classes = num_classes
        self.feat_channels = feat_channels
        loss_cls = _cfg(loss_cls, _LOSS_CLS)
        self.use_sigmoid_cls = loss_cls.get("use_sigmoid", False)
        self.cls_out_channels = num_classes if self.use_sigmoid_cls else num_classes + 1
        if self.cls_out_channels <= 0:
            raise ValueError(f"{type(self).__name__}: num_classes={num_classes} is too small")
        self.reg_decoded_bbox = reg_decoded_bbox
        self.bbox_coder = TASK_UTILS.build(_cfg(bbox_coder, _BBOX_CODER))
        self.loss_cls = MODELS.build(loss_cls)
        self.loss_bbox = MODELS.build(_cfg(loss_bbox, _LOSS_BBOX))
        self.train_cfg = ConfigDict(train_cfg) if train_cfg is not None else None
        self.test_cfg = ConfigDict(test_cfg) if test_cfg is not None else None
        if self.train_cfg:
            self.assigner = TASK_UTILS.build(self.train_cfg["assigner"])
            if self.train_cfg.get("sampler", None) is not None:
                self.sampler = TASK_UTILS.build(self.train_cfg["sampler"])
            else:
                self.sampler = TASK_UTILS.build(dict(type="PseudoSampler"))
        self.prior_generator = TASK_UTILS.build(_cfg(anchor_generator, _ANCHOR_GENERATOR))
        self.num_base_priors = self.prior_generator.num_base_priors[0]
        self._init_layers()

    def _init_layers(self) -> None:
        """One 1x1 conv for scores and one for deltas (``conv_cls``, ``conv_reg``)."""
        self.conv_cls = nn.Conv2d(self.in_channels, self.num_base_priors * self.cls_out_channels, 1)
        self.conv_reg = nn.Conv2d(
            self.in_channels, self.num_base_priors * self.bbox_coder.encode_size, 1
        )

    def forward_single(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """Scores ``(N, A*C, H, W)`` and deltas ``(N, A*4, H, W)`` of one level."""
        return self.conv_cls(x), self.conv_reg(x)

    def forward(self, x: Sequence[Tensor]) -> tuple[list[Tensor], list[Tensor]]:
        """Per-level scores and deltas of the feature maps ``x``."""
        return multi_apply(self.forward_single, x)

    # ------------------------------------------------------------------ targets
    def get_anchors(
        self,
        featmap_sizes: Sequence[tuple[int, int]],
        batch_img_metas: Sequence[dict],
        device: Union[str, torch.device] = "cuda",
    ) -> tuple[list[list[Tensor]], list[list[Tensor]]]:
        """Anchors (shared) and per-image valid flags (from each ``pad_shape``)."""
        num_imgs = len(batch_img_metas)
        multi_level_anchors = self.prior_generator.grid_priors(featmap_sizes, device=device)
        anchor_list = [multi_level_anchors for _ in range(num_imgs)]
        valid_flag_list = []
        for img_meta in batch_img_metas:
            pad_shape = img_meta.get("pad_shape", img_meta.get("batch_input_shape"))
            if pad_shape is None:
                pad_shape = img_meta["img_shape"]
            valid_flag_list.append(
                self.prior_generator.valid_flags(featmap_sizes, pad_shape, device)
            )
        return anchor_list, valid_flag_list

    def _get_targets_single(
        self,
        flat_anchors: Tensor,
        valid_flags: Tensor,
        gt_instances: InstanceData,
        img_meta: dict,
        gt_instances_ignore: Optional[InstanceData] = None,
        unmap_outputs: bool = True,
    ) -> tuple:
        """Targets of one image's ``(A, 4)`` anchors.

        Returns:
            ``labels (A,)`` (``num_classes`` = background), ``label_weights (A,)``,
            ``bbox_targets (A, 4)``, ``bbox_weights (A, 4)``, ``pos_inds``,
            ``neg_inds`` and the :class:`SamplingResult`.
        """
        inside_flags = anchor_inside_flags(
            flat_anchors, valid_flags, img_meta["img_shape"][:2], self.train_cfg["allowed_border"]
        )
        if not inside_flags.any():
            raise ValueError(
                f"{type(self).__name__}: no anchor lies inside the image "
                f"(img_shape={img_meta['img_shape']}); check the image size and allowed_border"
            )
        anchors = flat_anchors[inside_flags]
        pred_instances = InstanceData(priors=anchors)
        assign_result = self.assigner.assign(pred_instances, gt_instances, gt_instances_ignore)
        sampling_result = self.sampler.sample(assign_result, pred_instances, gt_instances)

        num_valid = anchors.shape[0]
        target_dim = 4 if self.reg_decoded_bbox else self.bbox_coder.encode_size
        bbox_targets = anchors.new_zeros(num_valid, target_dim)
        bbox_weights = anchors.new_zeros(num_valid, target_dim)
        labels = anchors.new_full((num_valid,), self.num_classes, dtype=torch.long)
        label_weights = anchors.new_zeros(num_valid, dtype=torch.float)
        pos_inds = sampling_result.pos_inds
        neg_inds = sampling_result.neg_inds
        if len(pos_inds) > 0:
            if self.reg_decoded_bbox:
                pos_targets = sampling_result.pos_gt_bboxes
            else:
                pos_targets = self.bbox_coder.encode(
                    sampling_result.pos_priors, sampling_result.pos_gt_bboxes
                )
            bbox_targets[pos_inds, :] = pos_targets.to(bbox_targets.dtype)
            bbox_weights[pos_inds, :] = 1.0
            labels[pos_inds] = sampling_result.pos_gt_labels
            pos_weight = self.train_cfg.get("pos_weight", -1)
            label_weights[pos_inds] = 1.0 if pos_weight <= 0 else pos_weight
        if len(neg_inds) > 0:
            label_weights[neg_inds] = 1.0
        if unmap_outputs:
            total = flat_anchors.size(0)
            labels = unmap(labels, total, inside_flags, fill=self.num_classes)
            label_weights = unmap(label_weights, total, inside_flags)
            bbox_targets = unmap(bbox_targets, total, inside_flags)
            bbox_weights = unmap(bbox_weights, total, inside_flags)
        return (
            labels,
            label_weights,
            bbox_targets,
            bbox_weights,
            pos_inds,
            neg_inds,
            sampling_result,
        )

    def get_targets(
        self,
        anchor_list: list[list[Tensor]],
        valid_flag_list: list[list[Tensor]],
        batch_gt_instances: Sequence[InstanceData],
        batch_img_metas: Sequence[dict],
        batch_gt_instances_ignore: Optional[Sequence[Optional[InstanceData]]] = None,
        unmap_outputs: bool = True,
    ) -> tuple:
        """Per-level targets of a batch.

        Returns:
            ``labels_list``, ``label_weights_list``, ``bbox_targets_list``,
            ``bbox_weights_list`` (each a list over levels of ``(B, A_l, ...)``)
            and ``avg_factor`` (sum of the sampling results' ``avg_factor``).
        """
        num_imgs = len(batch_img_metas)
        if batch_gt_instances_ignore is None:
            batch_gt_instances_ignore = [None] * num_imgs
        num_level_anchors = [anchors.size(0) for anchors in anchor_list[0]]
        concat_anchors = [torch.cat(a) for a in anchor_list]
        concat_flags = [torch.cat(f) for f in valid_flag_list]
        results = multi_apply(
            self._get_targets_single,
            concat_anchors,
            concat_flags,
            batch_gt_instances,
            batch_img_metas,
            batch_gt_instances_ignore,
            unmap_outputs=unmap_outputs,
        )
        all_labels, all_label_weights, all_bbox_targets, all_bbox_weights = results[:4]
        sampling_results = results[6]
        avg_factor = sum(res.avg_factor for res in sampling_results)
        return (
            images_to_levels(all_labels, num_level_anchors),
            images_to_levels(all_label_weights, num_level_anchors),
            images_to_levels(all_bbox_targets, num_level_anchors),
            images_to_levels(all_bbox_weights, num_level_anchors),
            avg_factor,
        )

    # ------------------------------------------------------------------- losses
    def loss_by_feat_single(
        self,
        cls_score: Tensor,
        bbox_pred: Tensor,
        anchors: Tensor,
        labels: Tensor,
        label_weights: Tensor,
        bbox_targets: Tensor,
        bbox_weights: Tensor,
        avg_factor: float,
    ) -> tuple[Tensor, Tensor]:
        """Classification and box losses of one level."""
        labels = labels.reshape(-1)
        label_weights = label_weights.reshape(-1)
        cls_score = cls_score.permute(0, 2, 3, 1).reshape(-1, self.cls_out_channels)
        loss_cls = self.loss_cls(cls_score, labels, label_weights, avg_factor=avg_factor)
        target_dim = bbox_targets.size(-1)
        bbox_targets = bbox_targets.reshape(-1, target_dim)
        bbox_weights = bbox_weights.reshape(-1, target_dim)
        bbox_pred = bbox_pred.permute(0, 2, 3, 1).reshape(-1, self.bbox_coder.encode_size)
        if self.reg_decoded_bbox:
            bbox_pred = self.bbox_coder.decode(anchors.reshape(-1, 4), bbox_pred)
        loss_bbox = self.loss_bbox(bbox_pred, bbox_targets, bbox_weights, avg_factor=avg_factor)
        return loss_cls, loss_bbox

    def loss_by_feat(
        self,
        cls_scores: Sequence[Tensor],
        bbox_preds: Sequence[Tensor],
        batch_gt_instances: Sequence[InstanceData],
        batch_img_metas: Sequence[dict],
        batch_gt_instances_ignore: Optional[Sequence[Optional[InstanceData]]] = None,
    ) -> dict[str, Tensor]:
        """Losses summed over levels: ``loss_cls`` and ``loss_bbox``."""
        featmap_sizes = [tuple(f.shape[-2:]) for f in cls_scores]
        device = cls_scores[0].device
        anchor_list, valid_flag_list = self.get_anchors(featmap_sizes, batch_img_metas, device)
        labels, label_weights, bbox_targets, bbox_weights, avg_factor = self.get_targets(
            anchor_list,
            valid_flag_list,
            batch_gt_instances,
            batch_img_metas,
            batch_gt_instances_ignore,
        )
        num_level_anchors = [anchors.size(0) for anchors in anchor_list[0]]
        all_anchors = images_to_levels([torch.cat(a) for a in anchor_list], num_level_anchors)
        losses_cls, losses_bbox = multi_apply(
            self.loss_by_feat_single,
            cls_scores,
            bbox_preds,
            all_anchors,
            labels,
            label_weights,
            bbox_targets,
            bbox_weights,
            avg_factor=avg_factor,
        )
        return dict(loss_cls=sum(losses_cls), loss_bbox=sum(losses_bbox))

    def loss(self, x: Sequence[Tensor], batch_data_samples: Sequence) -> dict[str, Tensor]:
        """Losses of features ``x`` against the samples' ``gt_instances``."""
        outs = self(x)
        gts, ignores, metas = unpack_gt_instances(batch_data_samples)
        return self.loss_by_feat(*outs, gts, metas, ignores)

    def loss_and_predict(
        self, x: Sequence[Tensor], batch_data_samples: Sequence, proposal_cfg: Optional[dict] = None
    ) -> tuple[dict[str, Tensor], list[InstanceData]]:
        """Losses, and detections (proposals) made with ``proposal_cfg``."""
        outs = self(x)
        gts, ignores, metas = unpack_gt_instances(batch_data_samples)
        losses = self.loss_by_feat(*outs, gts, metas, ignores)
        predictions = self.predict_by_feat(*outs, batch_img_metas=metas, cfg=proposal_cfg)
        return losses, predictions

    # -------------------------------------------------------------- predictions
    def predict(
        self, x: Sequence[Tensor], batch_data_samples: Sequence, rescale: bool = False
    ) -> list[InstanceData]:
        """Detections of each image (boxes in input pixels unless ``rescale``)."""
        metas = [s.metainfo for s in batch_data_samples]
        outs = self(x)
        return self.predict_by_feat(*outs, batch_img_metas=metas, rescale=rescale)

    def predict_by_feat(
        self,
        cls_scores: Sequence[Tensor],
        bbox_preds: Sequence[Tensor],
        batch_img_metas: Sequence[dict],
        cfg: Optional[dict] = None,
        rescale: bool = False,
    ) -> list[InstanceData]:
        """Decode and post-process the raw outputs, image by image."""
        if len(cls_scores) != len(bbox_preds):
            raise ValueError(f"{type(self).__name__}: score and box levels differ")
        featmap_sizes = [tuple(f.shape[-2:]) for f in cls_scores]
        mlvl_priors = self.prior_generator.grid_priors(
            featmap_sizes, dtype=cls_scores[0].dtype, device=cls_scores[0].device
        )
        cfg = self.test_cfg if cfg is None else ConfigDict(cfg)
        results = []
        for img_id, img_meta in enumerate(batch_img_metas):
            results.append(
                self._predict_by_feat_single(
                    select_single_mlvl(cls_scores, img_id),
                    select_single_mlvl(bbox_preds, img_id),
                    mlvl_priors,
                    img_meta,
                    cfg,
                    rescale,
                )
            )
        return results

    def _predict_by_feat_single(
        self,
        cls_score_list: list[Tensor],
        bbox_pred_list: list[Tensor],
        mlvl_priors: list[Tensor],
        img_meta: dict,
        cfg: ConfigDict,
        rescale: bool = False,
    ) -> InstanceData:
        """Top ``nms_pre`` per level, decode, class-wise NMS (subclasses override)."""
        from ..layers.bbox_nms import multiclass_nms

        nms_pre = cfg.get("nms_pre", -1)
        boxes, scores_all = [], []
        for cls_score, bbox_pred, priors in zip(cls_score_list, bbox_pred_list, mlvl_priors):
            bbox_pred = bbox_pred.permute(1, 2, 0).reshape(-1, self.bbox_coder.encode_size)
            cls_score = cls_score.permute(1, 2, 0).reshape(-1, self.cls_out_channels)
            scores = cls_score.sigmoid() if self.use_sigmoid_cls else cls_score.softmax(-1)[:, :-1]
            if 0 < nms_pre < scores.shape[0]:
                max_scores = scores.max(dim=1).values
                topk = max_scores.topk(nms_pre).indices
                bbox_pred, priors, scores = bbox_pred[topk], priors[topk], scores[topk]
            boxes.append(self.bbox_coder.decode(priors, bbox_pred, max_shape=img_meta["img_shape"]))
            scores_all.append(scores)
        bboxes = torch.cat(boxes)
        scores = torch.cat(scores_all)
        if rescale:
            bboxes = scale_boxes(bboxes, [1 / s for s in img_meta["scale_factor"]])
        padded = torch.cat([scores, scores.new_zeros(scores.size(0), 1)], dim=1)
        dets, labels = multiclass_nms(
            bboxes, padded, cfg.get("score_thr", 0.0), cfg.get("nms"), cfg.get("max_per_img", -1)
        )
        return InstanceData(bboxes=dets[:, :4], scores=dets[:, 4], labels=labels)
