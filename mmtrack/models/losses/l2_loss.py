"""L2 loss with margins and (hard) negative mining, as QDTrack's auxiliary embedding loss."""

from __future__ import annotations

from typing import Optional, Union

import torch
import torch.nn as nn
from torch import Tensor

from mmtrack.registry import MODELS

from .utils import check_reduction, weighted_loss


@weighted_loss
def l2_loss(pred: Tensor, target: Tensor) -> Tensor:
    """Element-wise ``(pred - target)^2``."""
    if pred.size() != target.size():
        raise ValueError(
            f"l2_loss: pred {tuple(pred.shape)} and target {tuple(target.shape)} differ"
        )
    return (pred - target) ** 2


@MODELS.register_module()
class L2Loss(nn.Module):
    """Squared error on similarity scores with positive/negative handling.

    Targets are 1 (positive) or 0 (negative); elements with weight <= 0 are
    ignored. Before the loss, ``pos_margin`` is subtracted from the positive
    predictions and ``neg_margin`` from the negative ones (when > 0), and all
    predictions are clamped to ``[0, 1]``. With ``neg_pos_ub > 0`` at most
    ``neg_pos_ub * num_pos`` negatives are kept: the highest-loss ones when
    ``hard_mining``, random ones otherwise. The mean is taken over the kept
    elements (weight > 0).

    Args:
        neg_pos_ub: upper bound of the negative/positive ratio; <= 0 keeps all.
            Defaults to -1.
        pos_margin: margin subtracted from positive predictions. Defaults to -1 (none).
        neg_margin: margin subtracted from negative predictions. Defaults to -1 (none).
        hard_mining: keep the hardest negatives instead of random ones.
            Defaults to False.
        reduction: ``'none'``, ``'mean'`` or ``'sum'``. Defaults to ``'mean'``.
        loss_weight: scalar factor. Defaults to 1.0.
    """

    def __init__(
        self,
        neg_pos_ub: int = -1,
        pos_margin: float = -1,
        neg_margin: float = -1,
        hard_mining: bool = False,
        reduction: str = "mean",
        loss_weight: float = 1.0,
    ) -> None:
        super().__init__()
        check_reduction(reduction, "L2Loss")
        self.neg_pos_ub = neg_pos_ub
        self.pos_margin = pos_margin
        self.neg_margin = neg_margin
        self.hard_mining = hard_mining
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
        """Compute the loss.

        Args:
            pred: ``(N, M)`` predicted similarities.
            target: ``(N, M)`` targets in {0, 1}.
            weight: ``(N, M)`` weights (<= 0 means ignore). Defaults to None.
            avg_factor: ignored; the number of kept elements is used (as in
                MMTracking). Defaults to None.
            reduction_override: overrides ``self.reduction``. Defaults to None.

        Returns:
            The weighted loss.
        """
        check_reduction(reduction_override, "L2Loss.forward")
        reduction = reduction_override if reduction_override else self.reduction
        pred, target, weight, avg_factor = self.update_weight(pred, target, weight)
        return self.loss_weight * l2_loss(
            pred, target, weight, reduction=reduction, avg_factor=avg_factor
        )

    def update_weight(
        self, pred: Tensor, target: Tensor, weight: Optional[Tensor]
    ) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """Apply margins, clamp and negative mining.

        Returns:
            ``(pred, target, weight, avg_factor)``: new tensors (inputs are
            not modified); ignored targets are set to -1 and dropped
            negatives get weight 0; ``avg_factor`` is the number of elements
            with weight > 0.
        """
        weight = target.new_ones(target.size()) if weight is None else weight.clone()
        target = target.clone()
        target[weight <= 0] = -1
        pos_inds = target == 1
        neg_inds = target == 0
        if self.pos_margin > 0:
            pred = pred - self.pos_margin * pos_inds.to(pred.dtype)
        if self.neg_margin > 0:
            pred = pred - self.neg_margin * neg_inds.to(pred.dtype)
        pred = torch.clamp(pred, min=0, max=1)

        num_pos = int(pos_inds.sum())
        num_neg = int(neg_inds.sum())
        if self.neg_pos_ub > 0 and num_neg / (num_pos + 1e-6) > self.neg_pos_ub:
            num_keep = int(num_pos * self.neg_pos_ub)
            neg_idx = torch.nonzero(neg_inds, as_tuple=False)
            if self.hard_mining:
                costs = ((pred - target) ** 2)[neg_idx[:, 0], neg_idx[:, 1]].detach()
                neg_idx = neg_idx[costs.topk(num_keep)[1]]
            else:
                perm = torch.randperm(neg_idx.size(0), device=neg_idx.device)[:num_keep]
                neg_idx = neg_idx[perm]
            kept = torch.zeros_like(neg_inds)
            kept[neg_idx[:, 0], neg_idx[:, 1]] = True
            weight[neg_inds & ~kept] = 0
        avg_factor = (weight > 0).sum()
        return pred, target, weight, avg_factor
