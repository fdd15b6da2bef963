"""L1 box-regression loss."""

from __future__ import annotations

from typing import Optional, Union

import torch
import torch.nn as nn
from torch import Tensor

from mmtrack.registry import MODELS

from .smooth_l1_loss import zero_weight_loss
from .utils import check_reduction, weighted_loss


@weighted_loss
def l1_loss(pred: Tensor, target: Tensor) -> Tensor:
    """Element-wise ``|pred - target|`` (0 with a graph when ``target`` is empty)."""
    if target.numel() == 0:
        return pred.sum() * 0
    if pred.size() != target.size():
        raise ValueError(
            f"l1_loss: pred {tuple(pred.shape)} and target {tuple(target.shape)} differ"
        )
    return torch.abs(pred - target)


@MODELS.register_module()
class L1Loss(nn.Module):
    """L1 loss.

    Args:
        reduction: ``'none'``, ``'mean'`` or ``'sum'``. Defaults to ``'mean'``.
        loss_weight: scalar factor. Defaults to 1.0.

    Examples:
        >>> import torch
        >>> float(L1Loss()(torch.tensor([[1., 2.]]), torch.tensor([[0., 0.]])))
        1.5
    """

    def __init__(self, reduction: str = "mean", loss_weight: float = 1.0) -> None:
        super().__init__()
        check_reduction(reduction, "L1Loss")
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
        """Weighted loss of ``pred`` against ``target`` (same shape)."""
        if weight is not None and not torch.any(weight > 0):
            return zero_weight_loss(pred, weight)
        check_reduction(reduction_override, "L1Loss.forward")
        reduction = reduction_override if reduction_override else self.reduction
        return self.loss_weight * l1_loss(
            pred, target, weight, reduction=reduction, avg_factor=avg_factor
        )
