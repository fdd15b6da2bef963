"""Multi-positive cross-entropy of QDTrack's quasi-dense similarity learning."""

from __future__ import annotations

from typing import Optional, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmtrack.registry import MODELS

from .utils import check_reduction, weight_reduce_loss


def multi_pos_cross_entropy(
    pred: Tensor,
    label: Tensor,
    weight: Optional[Tensor] = None,
    reduction: str = "mean",
    avg_factor: Union[float, Tensor, None] = None,
) -> Tensor:
    """Row-wise ``log(1 + sum_{p in pos} sum_{n in neg} exp(s_n - s_p))``.

    Computed as ``softplus(logsumexp_n(s_n) + logsumexp_p(-s_p))``, which is
    the same sum without building the ``(N, M*M)`` pair matrix. A row without
    positives or negatives has loss 0.

    Args:
        pred: ``(N, M)`` similarity logits.
        label: ``(N, M)`` labels, ``>= 1`` positive, ``0`` negative.
        weight: ``(N,)`` row weights. Defaults to None.
        reduction: ``'none'``, ``'mean'`` or ``'sum'``. Defaults to ``'mean'``.
        avg_factor: divisor for ``'mean'``. Defaults to None.

    Returns:
        The loss (``(N,)`` for ``'none'``).
    """
    pos = label >= 1
    neg = label == 0
    lse_neg = torch.logsumexp(pred.masked_fill(~neg, float("-inf")), dim=1)
    lse_pos = torch.logsumexp((-pred).masked_fill(~pos, float("-inf")), dim=1)
    loss = F.softplus(lse_neg + lse_pos)
    if weight is not None:
        weight = weight.float()
    return weight_reduce_loss(loss, weight=weight, reduction=reduction, avg_factor=avg_factor)


@MODELS.register_module()
class MultiPosCrossEntropyLoss(nn.Module):
    """Cross-entropy with several positives per row (QDTrack).

    Args:
        reduction: ``'none'``, ``'mean'`` or ``'sum'``. Defaults to ``'mean'``.
        loss_weight: scalar factor. Defaults to 1.0.
    """

    def __init__(self, reduction: str = "mean", loss_weight: float = 1.0) -> None:
        super().__init__()
        check_reduction(reduction, "MultiPosCrossEntropyLoss")
        self.reduction = reduction
        self.loss_weight = loss_weight

    def forward(
        self,
        cls_score: Tensor,
        label: Tensor,
        weight: Optional[Tensor] = None,
        avg_factor: Union[float, Tensor, None] = None,
        reduction_override: Optional[str] = None,
        **kwargs,
    ) -> Tensor:
        """Loss of ``cls_score`` ``(N, M)`` against ``label`` ``(N, M)``."""
        if cls_score.size() != label.size():
            raise ValueError(
                "MultiPosCrossEntropyLoss: cls_score and label shapes differ: "
                f"{tuple(cls_score.shape)} vs {tuple(label.shape)}"
            )
        check_reduction(reduction_override, "MultiPosCrossEntropyLoss.forward")
        reduction = reduction_override if reduction_override else self.reduction
        return self.loss_weight * multi_pos_cross_entropy(
            cls_score, label, weight, reduction=reduction, avg_factor=avg_factor
        )
