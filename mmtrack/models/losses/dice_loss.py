"""Dice loss (MMDetection 3.x ``DiceLoss``)."""

from __future__ import annotations

from typing import Optional

import torch
from torch import Tensor, nn

from mmtrack.registry import MODELS

from .utils import weight_reduce_loss


def dice_loss(
    pred: Tensor,
    target: Tensor,
    weight: Optional[Tensor] = None,
    eps: float = 1e-3,
    reduction: str = "mean",
    naive_dice: bool = False,
    avg_factor: Optional[float] = None,
) -> Tensor:
    """Dice loss of probabilities against binary targets, one value per mask.

    With ``naive_dice`` ``1 - (2 sum(p t) + eps) / (sum(p) + sum(t) + eps)``
    (V-Net's squared form otherwise:
    ``1 - 2 sum(p t) / (sum(p^2) + eps + sum(t^2) + eps)``).

    Args:
        pred: ``(N, ...)`` probabilities.
        target: ``(N, ...)`` 0/1 targets.
        weight: ``(N,)`` per-mask weights. Defaults to None.
        eps: smoothing term. Defaults to 1e-3.
        reduction: ``'none'``, ``'mean'`` or ``'sum'``. Defaults to ``'mean'``.
        naive_dice: use the plain (not squared) dice. Defaults to False.
        avg_factor: divisor for ``'mean'``. Defaults to None.

    Returns:
        The reduced loss (``(N,)`` with ``'none'``).
    """
    p = pred.flatten(1)
    t = target.flatten(1).to(p.dtype)
    inter = (p * t).sum(1)
    if naive_dice:
        d = (2 * inter + eps) / (p.sum(1) + t.sum(1) + eps)
    else:
        d = 2 * inter / ((p * p).sum(1) + eps + (t * t).sum(1) + eps)
    loss = 1 - d
    if weight is not None and weight.shape != loss.shape:
        raise ValueError(
            f"dice_loss: weight must have shape {tuple(loss.shape)}, got {tuple(weight.shape)}"
        )
    return weight_reduce_loss(loss, weight, reduction=reduction, avg_factor=avg_factor)


@MODELS.register_module()
class DiceLoss(nn.Module):
    """Dice loss of mask logits (or probabilities) against binary masks.

    Args:
        use_sigmoid: the activation is a sigmoid (the only one supported).
            Defaults to True.
        activate: apply the sigmoid to ``pred`` first. Defaults to True.
        reduction: ``'none'``, ``'mean'`` or ``'sum'``. Defaults to ``'mean'``.
        naive_dice: plain dice instead of V-Net's squared form.
            Defaults to False.
        loss_weight: the loss's weight. Defaults to 1.0.
        eps: smoothing term. Defaults to 1e-3.
    """

    def __init__(
        self,
        use_sigmoid: bool = True,
        activate: bool = True,
        reduction: str = "mean",
        naive_dice: bool = False,
        loss_weight: float = 1.0,
        eps: float = 1e-3,
    ) -> None:
        super().__init__()
        if not use_sigmoid:
            raise ValueError("DiceLoss: only use_sigmoid=True is supported, got use_sigmoid=False")
        self.use_sigmoid = use_sigmoid
        self.activate = activate
        self.reduction = reduction
        self.naive_dice = naive_dice
        self.loss_weight = loss_weight
        self.eps = eps

    def forward(
        self,
        pred: Tensor,
        target: Tensor,
        weight: Optional[Tensor] = None,
        reduction_override: Optional[str] = None,
        avg_factor: Optional[float] = None,
    ) -> Tensor:
        """Weighted dice loss.

        Args:
            pred: ``(N, ...)`` logits (probabilities without ``activate``).
            target: ``(N, ...)`` 0/1 masks of the same shape.
            weight: ``(N,)`` per-mask weights. Defaults to None.
            reduction_override: replaces ``reduction``. Defaults to None.
            avg_factor: divisor for ``'mean'``. Defaults to None.

        Returns:
            The loss, times ``loss_weight``.
        """
        if pred.shape != target.shape:
            raise ValueError(
                f"DiceLoss: pred and target shapes differ: {tuple(pred.shape)} vs "
                f"{tuple(target.shape)}"
            )
        reduction = reduction_override or self.reduction
        if self.activate:
            pred = torch.sigmoid(pred)
        return self.loss_weight * dice_loss(
            pred,
            target,
            weight,
            eps=self.eps,
            reduction=reduction,
            naive_dice=self.naive_dice,
            avg_factor=avg_factor,
        )
