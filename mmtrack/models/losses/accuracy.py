"""Top-k classification accuracy (logged as ``acc`` by the box head)."""

from __future__ import annotations

from typing import Optional, Union

import torch.nn as nn
from torch import Tensor

from mmtrack.registry import MODELS


def accuracy(
    pred: Tensor,
    target: Tensor,
    topk: Union[int, tuple[int, ...]] = 1,
    thresh: Optional[float] = None,
) -> Union[Tensor, tuple[Tensor, ...]]:
    """Percentage of samples whose target is among the top-k predictions.

    Args:
        pred: ``(N, C)`` scores.
        target: ``(N,)`` class indices.
        topk: k or a tuple of k's. Defaults to 1.
        thresh: a prediction also needs a score above this to count. Defaults to None.

    Returns:
        One ``(1,)`` tensor in percent per k (a tuple when ``topk`` is a tuple).
    """
    return_single = isinstance(topk, int)
    topks = (topk,) if isinstance(topk, int) else tuple(topk)
    maxk = max(topks)
    if pred.size(0) == 0:
        accs = tuple(pred.new_tensor(0.0) for _ in topks)
        return accs[0] if return_single else accs
    if pred.dim() != 2 or target.dim() != 1 or pred.size(0) != target.size(0):
        raise ValueError(
            f"accuracy: pred must be (N, C) and target (N,), got {tuple(pred.shape)}, "
            f"{tuple(target.shape)}"
        )
    if maxk > pred.size(1):
        raise ValueError(f"accuracy: topk {maxk} exceeds the {pred.size(1)} classes")
    pred_value, pred_label = pred.topk(maxk, dim=1)
    pred_label = pred_label.t()
    correct = pred_label.eq(target.view(1, -1).expand_as(pred_label))
    if thresh is not None:
        correct = correct & (pred_value > thresh).t()
    res = []
    for k in topks:
        correct_k = correct[:k].reshape(-1).float().sum(0, keepdim=True)
        res.append(correct_k.mul_(100.0 / pred.size(0)))
    return res[0] if return_single else tuple(res)


@MODELS.register_module()
class Accuracy(nn.Module):
    """Module form of :func:`accuracy`.

    Args:
        topk: k or tuple of k's. Defaults to (1,).
        thresh: score threshold. Defaults to None.
    """

    def __init__(self, topk: Union[int, tuple[int, ...]] = (1,), thresh: Optional[float] = None):
        super().__init__()
        self.topk = topk
        self.thresh = thresh

    def forward(self, pred: Tensor, target: Tensor) -> Union[Tensor, tuple[Tensor, ...]]:
        """Accuracy of ``pred`` ``(N, C)`` for ``target`` ``(N,)``."""
        return accuracy(pred, target, self.topk, self.thresh)
