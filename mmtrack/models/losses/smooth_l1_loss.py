"""Smooth L1 (Huber with ``beta``) box-regression loss."""

from __future__ import annotations

from typing import Optional, Union

import torch
import torch.nn as nn
from torch import Tensor

from mmtrack.registry import MODELS

from .utils import check_reduction, weighted_loss


@weighted_loss
def smooth_l1_loss(pred: Tensor, target: Tensor, beta: float = 1.0) -> Tensor:
    """Element-wise smooth L1: ``0.5 d^2 / beta`` if ``d < beta`` else ``d - 0.5 beta``.

    ``d = |pred - target|``.

    Args:
        pred: predictions, any shape.
        target: targets, same shape.
        beta: transition point, > 0. Defaults to 1.0.
    """
    if beta <= 0:
        raise ValueError(f"smooth_l1_loss: beta must be > 0, got {beta}")
    if target.numel() == 0:
        return pred.sum() * 0
    if pred.size() != target.size():
        raise ValueError(
            f"smooth_l1_loss: pred {tuple(pred.shape)} and target {tuple(target.shape)} differ"
        )
    diff = torch.abs(pred - target)
    return torch.where(diff < beta, 0.5 * diff * diff / beta, diff - 0.5 * beta)


def zero_weight_loss(pred: Tensor, weight: Tensor) -> Tensor:
    """Zero loss that keeps the graph when every weight is 0 (MMDetection's shortcut)."""
    if pred.dim() == weight.dim() + 1:
        weight = weight.unsqueeze(1)
    return (pred * weight).sum()


@MODELS.register_module()
class SmoothL1Loss(nn.Module):
    """Smooth L1 loss.

    Args:
        beta: transition point. Defaults to 1.0.
        reduction: ``'none'``, ``'mean'`` or ``'sum'``. Defaults to ``'mean'``.
        loss_weight: scalar factor. Defaults to 1.0.
    """

    def __init__(
        self, beta: float = 1.0, reduction: str = "mean", loss_weight: float = 1.0
    ) -> None:
        super().__init__()
        check_reduction(reduction, "SmoothL1Loss")
        self.beta = beta
        self.reduction = reduction
        self.loss_weight = loss_weight

    def forward(
        self,
        pred: Tensor,
        target: Tensor,
        weight: Optional[Tensor] = None,
        avg_factor: Union[float, Tensor, None] = None,
        reduction_override: Optional[str] = None,
        **kwargs,
    ) -> Tensor:
        """Weighted loss of ``pred`` ``(N, 4)`` against ``target`` ``(N, 4)``."""
        if weight is not None and not torch.any(weight > 0):
            return zero_weight_loss(pred, weight)
        check_reduction(reduction_override, "SmoothL1Loss.forward")
        reduction = reduction_override if reduction_override else self.reduction
        return self.loss_weight * smooth_l1_loss(
            pred,
            target,
            weight,
            beta=self.beta,
            reduction=reduction,
            avg_factor=avg_factor,
            **kwargs,
        )
