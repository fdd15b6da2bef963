"""Sigmoid focal loss (Lin et al., RetinaNet) in plain PyTorch."""

from __future__ import annotations

from typing import Optional, Union

import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmtrack.registry import MODELS

from .utils import check_reduction, weight_reduce_loss


def sigmoid_focal_loss(
    pred: Tensor,
    target: Tensor,
    weight: Optional[Tensor] = None,
    gamma: float = 2.0,
    alpha: float = 0.25,
    reduction: str = "mean",
    avg_factor: Union[float, Tensor, None] = None,
) -> Tensor:
    """``FL = -alpha_t (1 - p_t)^gamma log(p_t)`` on logits.

    Args:
        pred: ``(N, C)`` logits.
        target: ``(N, C)`` binary (or soft) targets.
        weight: ``(N,)`` sample or ``(N, C)`` element weights. Defaults to None.
        gamma: focusing parameter. Defaults to 2.0.
        alpha: weight of the positives (``1 - alpha`` for negatives). Defaults to 0.25.
        reduction: ``'none'``, ``'mean'`` or ``'sum'``. Defaults to ``'mean'``.
        avg_factor: divisor for ``'mean'``. Defaults to None.

    Returns:
        The loss.
    """
    pred_sigmoid = pred.sigmoid()
    target = target.type_as(pred)
    pt = (1 - pred_sigmoid) * target + pred_sigmoid * (1 - target)
    focal_weight = (alpha * target + (1 - alpha) * (1 - target)) * pt.pow(gamma)
    loss = F.binary_cross_entropy_with_logits(pred, target, reduction="none") * focal_weight
    if weight is not None and weight.shape != loss.shape:
        if weight.size(0) == loss.size(0):
            weight = weight.view(-1, 1)
        else:
            weight = weight.view(loss.size(0), -1)
    return weight_reduce_loss(loss, weight, reduction, avg_factor)


@MODELS.register_module()
class FocalLoss(nn.Module):
    """Sigmoid focal loss.

    Args:
        use_sigmoid: must be True (only the sigmoid form exists, as in
            MMDetection). Defaults to True.
        gamma: focusing parameter. Defaults to 2.0.
        alpha: positive-class weight. Defaults to 0.25.
        reduction: ``'none'``, ``'mean'`` or ``'sum'``. Defaults to ``'mean'``.
        loss_weight: scalar factor. Defaults to 1.0.
        activated: ``pred`` holds probabilities instead of logits. Defaults to False.
    """

    def __init__(
        self,
        use_sigmoid: bool = True,
        gamma: float = 2.0,
        alpha: float = 0.25,
        reduction: str = "mean",
        loss_weight: float = 1.0,
        activated: bool = False,
    ) -> None:
        super().__init__()
        if not use_sigmoid:
            raise ValueError(
                "FocalLoss: only the sigmoid focal loss exists; use_sigmoid=False given"
            )
        check_reduction(reduction, "FocalLoss")
        self.use_sigmoid = use_sigmoid
        self.gamma = gamma
        self.alpha = alpha
        self.reduction = reduction
        self.loss_weight = loss_weight
        self.activated = activated

    def forward(
        self,
        pred: Tensor,
        target: Tensor,
        weight: Optional[Tensor] = None,
        avg_factor: Union[float, Tensor, None] = None,
        reduction_override: Optional[str] = None,
    ) -> Tensor:
        """Compute the loss.

        Args:
            pred: ``(N, C)`` logits (probabilities when ``activated``).
            target: ``(N,)`` class indices (``C`` = background) or ``(N, C)`` targets.
            weight: sample or element weights. Defaults to None.
            avg_factor: divisor for ``'mean'``. Defaults to None.
            reduction_override: overrides ``self.reduction``. Defaults to None.

        Returns:
            The weighted loss.
        """
        check_reduction(reduction_override, "FocalLoss.forward")
        reduction = reduction_override if reduction_override else self.reduction
        if pred.dim() != target.dim():
            num_classes = pred.size(1)
            target = F.one_hot(target.long(), num_classes=num_classes + 1)[:, :num_classes]
        if self.activated:
            target = target.type_as(pred)
            pt = (1 - pred) * target + pred * (1 - target)
            focal_weight = (self.alpha * target + (1 - self.alpha) * (1 - target)) * pt.pow(
                self.gamma
            )
            loss = F.binary_cross_entropy(pred, target, reduction="none") * focal_weight
            if weight is not None and weight.shape != loss.shape:
                weight = weight.view(-1, 1) if weight.size(0) == loss.size(0) else weight
            return self.loss_weight * weight_reduce_loss(loss, weight, reduction, avg_factor)
        return self.loss_weight * sigmoid_focal_loss(
            pred, target, weight, self.gamma, self.alpha, reduction, avg_factor
        )
