"""Penalty-reduced focal loss on Gaussian heatmaps (CornerNet / CenterNet)."""

from __future__ import annotations

from typing import Optional, Union

import torch
from torch import Tensor, nn

from mmtrack.registry import MODELS

from .utils import check_reduction, weight_reduce_loss


def gaussian_focal_loss(
    pred: Tensor, target: Tensor, alpha: float = 2.0, gamma: float = 4.0, eps: float = 1e-12
) -> Tensor:
    """Element-wise CenterNet focal loss.

    ``-(1 - p)^alpha log p`` where ``target == 1`` and
    ``-(1 - y)^gamma p^alpha log(1 - p)`` elsewhere, ``p`` clamped to
    ``[eps, 1 - eps]``.

    Args:
        pred: Probabilities in [0, 1], any shape.
        target: Gaussian heatmap in [0, 1], same shape (peaks are exactly 1).
        alpha: Focusing exponent on the prediction. Defaults to 2.
        gamma: Exponent of the penalty reduction around peaks. Defaults to 4.
        eps: Clamp of ``pred``. Defaults to 1e-12.

    Returns:
        Tensor: The loss, shape of ``pred``.
    """
    if pred.shape != target.shape:
        raise ValueError(
            f"gaussian_focal_loss: pred {tuple(pred.shape)} and target {tuple(target.shape)} differ"
        )
    pred = pred.clamp(eps, 1 - eps)
    pos = target.eq(1).to(pred.dtype)
    pos_loss = -torch.log(pred) * (1 - pred).pow(alpha) * pos
    neg_loss = -torch.log(1 - pred) * pred.pow(alpha) * (1 - target).pow(gamma) * (1 - pos)
    return pos_loss + neg_loss


@MODELS.register_module()
class GaussianFocalLoss(nn.Module):
    """CenterNet focal loss (MMDetection's name); OSTrack's ``location`` loss.

    OSTrack divides the summed loss by the number of heatmap peaks: pass
    ``avg_factor=max(num_peaks, 1)`` with the default ``'mean'`` reduction.

    Args:
        alpha: Focusing exponent. Defaults to 2.0.
        gamma: Penalty-reduction exponent. Defaults to 4.0.
        reduction: ``'none'``, ``'mean'`` or ``'sum'``. Defaults to ``'mean'``.
        loss_weight: Loss multiplier. Defaults to 1.0.
    """

    def __init__(
        self,
        alpha: float = 2.0,
        gamma: float = 4.0,
        reduction: str = "mean",
        loss_weight: float = 1.0,
    ) -> None:
        super().__init__()
        check_reduction(reduction, "GaussianFocalLoss")
        self.alpha = alpha
        self.gamma = gamma
        self.reduction = reduction
        self.loss_weight = loss_weight

    def forward(
        self,
        pred: Tensor,
        target: Tensor,
        weight: Optional[Tensor] = None,
        avg_factor: Union[float, Tensor, None] = None,
        reduction_override: Optional[str] = None,
    ) -> Tensor:
        """Loss of ``pred`` probabilities against the ``target`` heatmap."""
        check_reduction(reduction_override, "GaussianFocalLoss.forward")
        reduction = reduction_override if reduction_override else self.reduction
        loss = gaussian_focal_loss(pred, target, self.alpha, self.gamma)
        return self.loss_weight * weight_reduce_loss(loss, weight, reduction, avg_factor)
