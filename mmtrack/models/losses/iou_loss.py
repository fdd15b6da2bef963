"""IoU-based box regression losses (IoU, GIoU)."""

from __future__ import annotations

import warnings
from abc import ABCMeta, abstractmethod
from typing import Optional

import torch
import torch.nn as nn
from torch import Tensor

from mmtrack.registry import MODELS

from .utils import weight_reduce_loss

_IOU_MODES = ("linear", "square", "log")
_REDUCTIONS = (None, "none", "mean", "sum")


def aligned_bbox_overlaps(
    pred: Tensor, target: Tensor, mode: str = "iou", eps: float = 1e-6
) -> Tensor:
    """IoU or GIoU of box ``i`` in ``pred`` with box ``i`` in ``target``.

    ``IoU = inter / max(union, eps)``;
    ``GIoU = IoU - (enclose - union) / max(enclose, eps)`` with ``enclose``
    the area of the smallest box containing both.

    Args:
        pred: ``(..., 4)`` xyxy boxes.
        target: ``(..., 4)`` xyxy boxes, same shape.
        mode: ``'iou'`` or ``'giou'``. Defaults to ``'iou'``.
        eps: lower bound of the denominators. Defaults to 1e-6.

    Returns:
        ``(...)`` overlaps.

    Examples:
        >>> import torch
        >>> a = torch.tensor([[0., 0., 2., 2.]])
        >>> b = torch.tensor([[1., 0., 3., 2.]])
        >>> aligned_bbox_overlaps(a, b).tolist()  # 2 / 6
        [0.3333333432674408]
    """
    if pred.shape != target.shape:
        raise ValueError(
            f"aligned_bbox_overlaps: pred {tuple(pred.shape)} and target "
            f"{tuple(target.shape)} must have the same shape"
        )
    if mode not in ("iou", "giou"):
        raise ValueError(f"aligned_bbox_overlaps: mode must be 'iou' or 'giou', got {mode!r}")
    area_p = (pred[..., 2] - pred[..., 0]) * (pred[..., 3] - pred[..., 1])
    area_t = (target[..., 2] - target[..., 0]) * (target[..., 3] - target[..., 1])
    lt = torch.max(pred[..., :2], target[..., :2])
    rb = torch.min(pred[..., 2:], target[..., 2:])
    wh = (rb - lt).clamp(min=0)
    overlap = wh[..., 0] * wh[..., 1]
    union = (area_p + area_t - overlap).clamp(min=eps)
    ious = overlap / union
    if mode == "iou":
        return ious
    enclose_wh = (
        torch.max(pred[..., 2:], target[..., 2:]) - torch.min(pred[..., :2], target[..., :2])
    ).clamp(min=0)
    enclose_area = (enclose_wh[..., 0] * enclose_wh[..., 1]).clamp(min=eps)
    return ious - (enclose_area - union) / enclose_area


def iou_loss(pred: Tensor, target: Tensor, mode: str = "log", eps: float = 1e-6) -> Tensor:
    """Element-wise IoU loss ``(N,)`` of aligned xyxy boxes ``(N, 4)``.

    With ``iou = max(IoU, eps)``: ``'linear'`` gives ``1 - iou``, ``'square'``
    ``1 - iou ** 2`` (YOLOX) and ``'log'`` ``-log(iou)`` (UnitBox).
    """
    if mode not in _IOU_MODES:
        raise ValueError(f"IoULoss: mode must be one of {_IOU_MODES}, got {mode!r}")
    ious = aligned_bbox_overlaps(pred, target).clamp(min=eps)
    if mode == "linear":
        return 1 - ious
    if mode == "square":
        return 1 - ious**2
    return -ious.log()


def giou_loss(pred: Tensor, target: Tensor, eps: float = 1e-7) -> Tensor:
    """Element-wise GIoU loss ``1 - GIoU`` ``(N,)`` of aligned xyxy boxes ``(N, 4)``."""
    return 1 - aligned_bbox_overlaps(pred, target, mode="giou", eps=eps)


class _BoxOverlapLoss(nn.Module, metaclass=ABCMeta):
    """Shared weighting and reduction of the IoU-style losses."""

    def __init__(self, eps: float, reduction: str, loss_weight: float) -> None:
        super().__init__()
        if reduction not in _REDUCTIONS[1:]:
            raise ValueError(
                f"{type(self).__name__}: reduction must be 'none', 'mean' or 'sum', "
                f"got {reduction!r}"
            )
        self.eps = eps
        self.reduction = reduction
        self.loss_weight = loss_weight

    @abstractmethod
    def _elementwise(self, pred: Tensor, target: Tensor) -> Tensor:
        """Unweighted per-box loss ``(N,)``."""

    def forward(
        self,
        pred: Tensor,
        target: Tensor,
        weight: Optional[Tensor] = None,
        avg_factor: Optional[float] = None,
        reduction_override: Optional[str] = None,
        **kwargs,
    ) -> Tensor:
        """Loss of predicted boxes against targets.

        Args:
            pred: ``(N, 4)`` xyxy predictions.
            target: ``(N, 4)`` xyxy targets.
            weight: ``(N,)`` or ``(N, 4)`` (averaged over the last dim)
                per-box weights. Defaults to None.
            avg_factor: divisor of the summed loss for ``'mean'``.
                Defaults to None.
            reduction_override: overrides ``self.reduction``. Defaults to None.

        Returns:
            Scalar, or ``(N,)`` with reduction ``'none'``.
        """
        if reduction_override not in _REDUCTIONS:
            raise ValueError(
                f"{type(self).__name__}: reduction_override must be one of {_REDUCTIONS}, "
                f"got {reduction_override!r}"
            )
        reduction = reduction_override if reduction_override else self.reduction
        if weight is not None and not torch.any(weight > 0) and reduction != "none":
            # no positive box: a zero that keeps pred in the graph
            if pred.dim() == weight.dim() + 1:
                weight = weight.unsqueeze(1)
            return (pred * weight).sum()
        if weight is not None and weight.dim() > 1:
            if weight.shape != pred.shape:
                raise ValueError(
                    f"{type(self).__name__}: weight {tuple(weight.shape)} must be (N,) or match "
                    f"pred {tuple(pred.shape)}"
                )
            weight = weight.mean(-1)
        loss = self._elementwise(pred, target)
        return self.loss_weight * weight_reduce_loss(loss, weight, reduction, avg_factor)


@MODELS.register_module()
class IoULoss(_BoxOverlapLoss):
    """IoU loss (UnitBox, Yu et al. 2016; YOLOX uses ``mode='square'``).

    Args:
        linear: deprecated, same as ``mode='linear'``. Defaults to False.
        eps: lower bound of the IoU. Defaults to 1e-6.
        reduction: ``'none'``, ``'mean'`` or ``'sum'``. Defaults to ``'mean'``.
        loss_weight: loss multiplier. Defaults to 1.0.
        mode: ``'linear'`` (``1 - IoU``), ``'square'`` (``1 - IoU^2``) or
            ``'log'`` (``-log IoU``). Defaults to ``'log'``.
    """

    def __init__(
        self,
        linear: bool = False,
        eps: float = 1e-6,
        reduction: str = "mean",
        loss_weight: float = 1.0,
        mode: str = "log",
    ) -> None:
        super().__init__(eps, reduction, loss_weight)
        if mode not in _IOU_MODES:
            raise ValueError(f"IoULoss: mode must be one of {_IOU_MODES}, got {mode!r}")
        if linear:
            warnings.warn(
                "IoULoss: linear=True is deprecated, use mode='linear'",
                DeprecationWarning,
                stacklevel=2,
            )
            mode = "linear"
        self.mode = mode

    def _elementwise(self, pred: Tensor, target: Tensor) -> Tensor:
        return iou_loss(pred, target, mode=self.mode, eps=self.eps)


@MODELS.register_module()
class GIoULoss(_BoxOverlapLoss):
    """Generalized IoU loss ``1 - GIoU`` (Rezatofighi et al., 2019).

    Args:
        eps: lower bound of union and enclosing area. Defaults to 1e-6.
        reduction: ``'none'``, ``'mean'`` or ``'sum'``. Defaults to ``'mean'``.
        loss_weight: loss multiplier. Defaults to 1.0.
    """

    def __init__(
        self, eps: float = 1e-6, reduction: str = "mean", loss_weight: float = 1.0
    ) -> None:
        super().__init__(eps, reduction, loss_weight)

    def _elementwise(self, pred: Tensor, target: Tensor) -> Tensor:
        return giou_loss(pred, target, eps=self.eps)
