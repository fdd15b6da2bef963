"""Matching costs of the Hungarian assigner (MMDetection 3.x ``match_cost``):
classification, binary cross-entropy of mask points, dice of mask points."""

from __future__ import annotations

from typing import Optional

import torch
import torch.nn.functional as F
from mmengine.structures import InstanceData
from torch import Tensor

from mmtrack.registry import TASK_UTILS

__all__ = ["ClassificationCost", "CrossEntropyLossCost", "DiceCost"]


@TASK_UTILS.register_module()
class ClassificationCost:
    """``-softmax(scores)[:, gt_label] * weight``.

    Args:
        weight: the cost's weight. Defaults to 1.0.
    """

    def __init__(self, weight: float = 1.0) -> None:
        self.weight = weight

    def __call__(
        self,
        pred_instances: InstanceData,
        gt_instances: InstanceData,
        img_meta: Optional[dict] = None,
        **kwargs,
    ) -> Tensor:
        """Cost ``(num_preds, num_gts)`` from ``pred.scores`` ``(num_preds, C + 1)`` logits
        and ``gt.labels`` ``(num_gts,)``."""
        probs = pred_instances.scores.softmax(-1)
        return -probs[:, gt_instances.labels] * self.weight


@TASK_UTILS.register_module()
class CrossEntropyLossCost:
    """Mean binary cross-entropy of every predicted mask against every gt mask.

    For logits ``x`` ``(num_preds, P)`` and 0/1 targets ``t`` ``(num_gts, P)``
    the cost is ``sum_p [BCE(x_p, 1) t_p + BCE(x_p, 0) (1 - t_p)] / P``.

    Args:
        weight: the cost's weight. Defaults to 1.0.
        use_sigmoid: logits are sigmoid logits (the only supported form).
            Defaults to True.
    """

    def __init__(self, weight: float = 1.0, use_sigmoid: bool = True) -> None:
        if not use_sigmoid:
            raise ValueError("CrossEntropyLossCost: only use_sigmoid=True is supported")
        self.weight = weight
        self.use_sigmoid = use_sigmoid

    def __call__(
        self,
        pred_instances: InstanceData,
        gt_instances: InstanceData,
        img_meta: Optional[dict] = None,
        **kwargs,
    ) -> Tensor:
        """Cost ``(num_preds, num_gts)`` from ``masks`` (logits / 0-1) of both."""
        x = pred_instances.masks.flatten(1).float()
        t = gt_instances.masks.flatten(1).float()
        pos = F.binary_cross_entropy_with_logits(x, torch.ones_like(x), reduction="none")
        neg = F.binary_cross_entropy_with_logits(x, torch.zeros_like(x), reduction="none")
        cost = (pos @ t.T + neg @ (1 - t).T) / x.size(1)
        return cost * self.weight


@TASK_UTILS.register_module()
class DiceCost:
    """Dice loss of every predicted mask against every gt mask.

    ``1 - (2 sum(p t) + eps) / (sum(p) + sum(t) + eps)`` (squared sums
    without ``naive_dice``), ``p`` the sigmoid of the logits with
    ``pred_act``.

    Args:
        weight: the cost's weight. Defaults to 1.0.
        pred_act: apply the sigmoid to the predictions. Defaults to False.
        eps: smoothing term. Defaults to 1e-3.
        naive_dice: plain sums instead of squares. Defaults to True.
    """

    def __init__(
        self,
        weight: float = 1.0,
        pred_act: bool = False,
        eps: float = 1e-3,
        naive_dice: bool = True,
    ) -> None:
        self.weight = weight
        self.pred_act = pred_act
        self.eps = eps
        self.naive_dice = naive_dice

    def __call__(
        self,
        pred_instances: InstanceData,
        gt_instances: InstanceData,
        img_meta: Optional[dict] = None,
        **kwargs,
    ) -> Tensor:
        """Cost ``(num_preds, num_gts)`` from ``masks`` ``(num_preds, P)`` and ``(num_gts, P)``."""
        p = pred_instances.masks.flatten(1).float()
        if self.pred_act:
            p = p.sigmoid()
        t = gt_instances.masks.flatten(1).float()
        num = 2 * p @ t.T
        if self.naive_dice:
            den = p.sum(1)[:, None] + t.sum(1)[None, :]
        else:
            den = (p * p).sum(1)[:, None] + (t * t).sum(1)[None, :]
        return (1 - (num + self.eps) / (den + self.eps)) * self.weight
