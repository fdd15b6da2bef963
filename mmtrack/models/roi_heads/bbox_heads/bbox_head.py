"""R-CNN box head base: targets, losses and post-processing of RoI predictions."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Optional, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.config import ConfigDict
from mmengine.model import BaseModule
from mmengine.structures import InstanceData
from torch import Tensor

from mmtrack.registry import MODELS, TASK_UTILS
from mmtrack.structures.bbox import scale_boxes

from ...layers.bbox_nms import multiclass_nms
from ...layers.misc import empty_instances, multi_apply
from ...losses.accuracy import accuracy

_BBOX_CODER = dict(
    type="DeltaXYWHBBoxCoder",
    clip_border=True,
    target_means=(0.0, 0.0, 0.0, 0.0),
    target_stds=(0.1, 0.1, 0.2, 0.2),
)
_LOSS_CLS = dict(type="CrossEntropyLoss", use_sigmoid=False, loss_weight=1.0)
_LOSS_BBOX = dict(type="SmoothL1Loss", beta=1.0, loss_weight=1.0)


def _pair(v: Union[int, Sequence[int]]) -> tuple[int, int]:
    return (v, v) if isinstance(v, int) else (int(v[0]), int(v[1]))


@MODELS.register_module()
class BBoxHead(BaseModule):
    """Classify RoIs into ``num_classes + 1`` (last = background) and regress deltas.

    On its own it is the simplest head (optional average pooling, then the
    linear ``fc_cls``/``fc_reg`` on the flattened RoI features); subclasses
    (e.g. :class:`ConvFCBBoxHead`) add layers. It holds the targets, the
    losses (``loss_cls``, ``acc``, ``loss_bbox``) and the test-time decoding
    with per-class NMS.

    Args:
        with_avg_pool: average-pool the RoI features first. Defaults to False.
        with_cls: predict classes. Defaults to True.
        with_reg: predict box deltas. Defaults to True.
        roi_feat_size: RoI feature size. Defaults to 7.
        in_channels: RoI feature channels. Defaults to 256.
        num_classes: object classes. Defaults to 80.
        bbox_coder: coder config. Defaults to ``DeltaXYWHBBoxCoder`` with
            stds ``(0.1, 0.1, 0.2, 0.2)``.
        reg_class_agnostic: one box per RoI instead of one per class. Defaults to False.
        reg_decoded_bbox: box loss on decoded boxes. Defaults to False.
        loss_cls: classification loss. Defaults to softmax CE.
        loss_bbox: box loss. Defaults to ``SmoothL1Loss(beta=1)``.
        init_cfg: init config. Defaults to None.
    """

    def __init__(
        self,
        with_avg_pool: bool = False,
        with_cls: bool = True,
        with_reg: bool = True,
        roi_feat_size: Union[int, Sequence[int]] = 7,
        in_channels: int = 256,
        num_classes: int = 80,
        bbox_coder: Optional[dict] = None,
        predict_box_type: str = "hbox",
        reg_class_agnostic: bool = False,
        reg_decoded_bbox: bool = False,
        reg_predictor_cfg: Optional[dict] = None,
        cls_predictor_cfg: Optional[dict] = None,
        loss_cls: Optional[dict] = None,
        loss_bbox: Optional[dict] = None,
        init_cfg: Union[dict, list, None] = None,
    ) -> None:
        super().__init__(init_cfg)
        if not (with_cls or with_reg):
            raise ValueError(f"{type(self).__name__}: with_cls and with_reg cannot both be False")
        if predict_box_type != "hbox":
            raise ValueError(f"{type(self).__name__}: only predict_box_type='hbox' is supported")
        for name, cfg in (
            ("reg_predictor_cfg", reg_predictor_cfg),
            ("cls_predictor_cfg", cls_predictor_cfg),
        ):
            if cfg is not None and cfg.get("type", "Linear") != "Linear":
                raise ValueError(f"{type(self).__name__}: {name} must be a Linear layer")
        self.with_avg_pool = with_avg_pool
        self.with_cls = with_cls
        self.with_reg = with_reg
        self.roi_feat_size = _pair(roi_feat_size)
        self.roi_feat_area = self.roi_feat_size[0] * self.roi_feat_size[1]
        self.in_channels = in_channels
        self.num_classes = num_classes
        self.predict_box_type = predict_box_type
        self.reg_class_agnostic = reg_class_agnostic
        self.reg_decoded_bbox = reg_decoded_bbox
        self.bbox_coder = TASK_UTILS.build(
            copy.deepcopy(_BBOX_CODER if bbox_coder is None else dict(bbox_coder))
        )
        self.loss_cls = MODELS.build(copy.deepcopy(_LOSS_CLS if loss_cls is None else loss_cls))
        self.loss_bbox = MODELS.build(copy.deepcopy(_LOSS_BBOX if loss_bbox is None else loss_bbox))
        if with_avg_pool:
            self.avg_pool = nn.AvgPool2d(self.roi_feat_size)
        in_features = in_channels if with_avg_pool else in_channels * self.roi_feat_area
        self._build_predictors(in_features, in_features)
        if init_cfg is None:
            self.init_cfg = []
            if with_cls:
                self.init_cfg.append(dict(type="Normal", std=0.01, override=dict(name="fc_cls")))
            if with_reg:
                self.init_cfg.append(dict(type="Normal", std=0.001, override=dict(name="fc_reg")))

    def _build_predictors(self, cls_in: int, reg_in: int) -> None:
        """``fc_cls`` (``num_classes + 1`` outputs) and ``fc_reg`` (4 or ``4 * num_classes``)."""
        if self.with_cls:
            self.fc_cls = nn.Linear(cls_in, self.num_classes + 1)
        if self.with_reg:
            box_dim = self.bbox_coder.encode_size
            out_dim = box_dim if self.reg_class_agnostic else box_dim * self.num_classes
            self.fc_reg = nn.Linear(reg_in, out_dim)

    def forward(self, x: Tensor) -> tuple[Optional[Tensor], Optional[Tensor]]:
        """RoI features ``(K, C, h, w)`` -> scores ``(K, C+1)``, deltas ``(K, 4*C)``."""
        if self.with_avg_pool:
            x = self.avg_pool(x)
        x = x.flatten(1)
        cls_score = self.fc_cls(x) if self.with_cls else None
        bbox_pred = self.fc_reg(x) if self.with_reg else None
        return cls_score, bbox_pred

    # ------------------------------------------------------------------ targets
    def _get_targets_single(
        self,
        pos_priors: Tensor,
        neg_priors: Tensor,
        pos_gt_bboxes: Tensor,
        pos_gt_labels: Tensor,
        cfg: ConfigDict,
    ) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """Targets of one image's samples (positives first, then negatives)."""
        num_pos, num_neg = pos_priors.size(0), neg_priors.size(0)
        num_samples = num_pos + num_neg
        reg_dim = 4 if self.reg_decoded_bbox else self.bbox_coder.encode_size
        labels = pos_priors.new_full((num_samples,), self.num_classes, dtype=torch.long)
        label_weights = pos_priors.new_zeros(num_samples)
        bbox_targets = pos_priors.new_zeros(num_samples, reg_dim)
        bbox_weights = pos_priors.new_zeros(num_samples, reg_dim)
        if num_pos > 0:
            labels[:num_pos] = pos_gt_labels
            pos_weight = cfg.get("pos_weight", -1)
            label_weights[:num_pos] = 1.0 if pos_weight <= 0 else pos_weight
            if self.reg_decoded_bbox:
                targets = pos_gt_bboxes
            else:
                targets = self.bbox_coder.encode(pos_priors, pos_gt_bboxes)
            bbox_targets[:num_pos, :] = targets
            bbox_weights[:num_pos, :] = 1
        if num_neg > 0:
            label_weights[-num_neg:] = 1.0
        return labels, label_weights, bbox_targets, bbox_weights

    def get_targets(
        self, sampling_results: Sequence, rcnn_train_cfg: ConfigDict, concat: bool = True
    ) -> tuple:
        """``labels``, ``label_weights``, ``bbox_targets``, ``bbox_weights`` of a batch."""
        targets = multi_apply(
            self._get_targets_single,
            [res.pos_priors for res in sampling_results],
            [res.neg_priors for res in sampling_results],
            [res.pos_gt_bboxes for res in sampling_results],
            [res.pos_gt_labels for res in sampling_results],
            cfg=rcnn_train_cfg,
        )
        if concat:
            return tuple(torch.cat(t, 0) for t in targets)
        return targets

    # ------------------------------------------------------------------- losses
    def loss_and_target(
        self,
        cls_score: Tensor,
        bbox_pred: Tensor,
        rois: Tensor,
        sampling_results: Sequence,
        rcnn_train_cfg: ConfigDict,
        concat: bool = True,
        reduction_override: Optional[str] = None,
    ) -> dict:
        """``dict(loss_bbox=<losses dict>, bbox_targets=<targets>)``."""
        targets = self.get_targets(sampling_results, rcnn_train_cfg, concat=concat)
        losses = self.loss(
            cls_score, bbox_pred, rois, *targets, reduction_override=reduction_override
        )
        return dict(loss_bbox=losses, bbox_targets=targets)

    def loss(
        self,
        cls_score: Optional[Tensor],
        bbox_pred: Optional[Tensor],
        rois: Tensor,
        labels: Tensor,
        label_weights: Tensor,
        bbox_targets: Tensor,
        bbox_weights: Tensor,
        reduction_override: Optional[str] = None,
    ) -> dict[str, Tensor]:
        """``loss_cls`` (averaged over weighted samples), ``acc`` and ``loss_bbox``.

        The box loss is summed over positives and divided by the number of
        samples (MMDetection's ``avg_factor=bbox_targets.size(0)``).
        """
        losses: dict[str, Tensor] = {}
        if cls_score is not None:
            avg_factor = max(float(torch.sum(label_weights > 0).item()), 1.0)
            if cls_score.numel() > 0:
                losses["loss_cls"] = self.loss_cls(
                    cls_score,
                    labels,
                    label_weights,
                    avg_factor=avg_factor,
                    reduction_override=reduction_override,
                )
                losses["acc"] = accuracy(cls_score, labels)
            else:
                # no sampled RoI at all: zero losses that keep the graph and the keys
                losses["loss_cls"] = cls_score.sum()
                losses["acc"] = cls_score.new_zeros(1)
        if bbox_pred is not None:
            pos_inds = (labels >= 0) & (labels < self.num_classes)
            if pos_inds.any():
                if self.reg_decoded_bbox:
                    bbox_pred = self.bbox_coder.decode(rois[:, 1:], bbox_pred)
                if self.reg_class_agnostic:
                    pos_pred = bbox_pred.view(bbox_pred.size(0), -1)[pos_inds]
                else:
                    pos_pred = bbox_pred.view(bbox_pred.size(0), self.num_classes, -1)[
                        pos_inds, labels[pos_inds]
                    ]
                losses["loss_bbox"] = self.loss_bbox(
                    pos_pred,
                    bbox_targets[pos_inds],
                    bbox_weights[pos_inds],
                    avg_factor=bbox_targets.size(0),
                    reduction_override=reduction_override,
                )
            else:
                losses["loss_bbox"] = bbox_pred[pos_inds].sum()
        return losses

    # -------------------------------------------------------------- predictions
    def predict_by_feat(
        self,
        rois: Sequence[Tensor],
        cls_scores: Sequence[Tensor],
        bbox_preds: Sequence[Optional[Tensor]],
        batch_img_metas: Sequence[dict],
        rcnn_test_cfg: Optional[ConfigDict] = None,
        rescale: bool = False,
    ) -> list[InstanceData]:
        """Detections of each image from its rois, scores and deltas."""
        if len(cls_scores) != len(batch_img_metas):
            raise ValueError(f"{type(self).__name__}: one score tensor per image expected")
        return [
            self._predict_by_feat_single(
                rois[i], cls_scores[i], bbox_preds[i], batch_img_metas[i], rescale, rcnn_test_cfg
            )
            for i in range(len(batch_img_metas))
        ]

    def _predict_by_feat_single(
        self,
        roi: Tensor,
        cls_score: Tensor,
        bbox_pred: Optional[Tensor],
        img_meta: dict,
        rescale: bool = False,
        rcnn_test_cfg: Optional[ConfigDict] = None,
    ) -> InstanceData:
        """Softmax scores, decoded per-class boxes, then ``multiclass_nms``.

        Without ``rcnn_test_cfg`` the raw ``bboxes (K, 4*C)`` and ``scores
        (K, C+1)`` are returned (no NMS).
        """
        results = InstanceData()
        if roi.shape[0] == 0:
            return empty_instances(
                [img_meta],
                roi.device,
                task_type="bbox",
                instance_results=[results],
                num_classes=self.num_classes,
                score_per_cls=rcnn_test_cfg is None,
            )[0]
        scores = F.softmax(cls_score, dim=-1) if cls_score is not None else None
        img_shape = img_meta["img_shape"]
        if bbox_pred is not None:
            bboxes = self.bbox_coder.decode(roi[:, 1:], bbox_pred, max_shape=img_shape)
        else:
            bboxes = roi[:, 1:].clone()
            if img_shape is not None:
                bboxes[:, [0, 2]] = bboxes[:, [0, 2]].clamp(min=0, max=img_shape[1])
                bboxes[:, [1, 3]] = bboxes[:, [1, 3]].clamp(min=0, max=img_shape[0])
        if rescale and bboxes.size(0) > 0:
            bboxes = scale_boxes(
                bboxes.view(-1, 4), [1 / s for s in img_meta["scale_factor"]]
            ).view(bboxes.size(0), -1)
        if rcnn_test_cfg is None:
            results.bboxes = bboxes
            results.scores = scores
            return results
        dets, labels = multiclass_nms(
            bboxes,
            scores,
            rcnn_test_cfg["score_thr"],
            rcnn_test_cfg["nms"],
            rcnn_test_cfg["max_per_img"],
        )
        results.bboxes = dets[:, :-1]
        results.scores = dets[:, -1]
        results.labels = labels
        return results
