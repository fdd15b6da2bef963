"""Cross-entropy losses: softmax, sigmoid (binary) and per-class mask BCE."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Optional, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmtrack.registry import MODELS

from .utils import check_reduction, weight_reduce_loss

AvgFactor = Union[float, Tensor, None]


def cross_entropy(
    pred: Tensor,
    label: Tensor,
    weight: Optional[Tensor] = None,
    reduction: str = "mean",
    avg_factor: AvgFactor = None,
    class_weight: Optional[Tensor] = None,
    ignore_index: Optional[int] = -100,
    avg_non_ignore: bool = False,
) -> Tensor:
    """Softmax cross-entropy.

    Args:
        pred: ``(N, C)`` logits.
        label: ``(N,)`` int64 class indices in ``[0, C)``.
        weight: ``(N,)`` sample weights. Defaults to None.
        reduction: ``'none'``, ``'mean'`` or ``'sum'``. Defaults to ``'mean'``.
        avg_factor: divisor for ``'mean'``. Defaults to None.
        class_weight: ``(C,)`` class weights. Defaults to None.
        ignore_index: label value that contributes no loss; None means -100.
            Defaults to -100.
        avg_non_ignore: average over the non-ignored labels only (when
            ``avg_factor`` is None and ``reduction='mean'``). Defaults to False.

    Returns:
        The loss, ``(N,)`` when ``reduction='none'``.
    """
    ignore_index = -100 if ignore_index is None else ignore_index
    loss = F.cross_entropy(
        pred, label, weight=class_weight, reduction="none", ignore_index=ignore_index
    )
    if avg_factor is None and avg_non_ignore and reduction == "mean":
        avg_factor = label.numel() - (label == ignore_index).sum().item()
    if weight is not None:
        weight = weight.float()
    return weight_reduce_loss(loss, weight=weight, reduction=reduction, avg_factor=avg_factor)


def _expand_onehot_labels(
    labels: Tensor, label_weights: Optional[Tensor], label_channels: int, ignore_index: int
) -> tuple[Tensor, Tensor, Tensor]:
    """Class indices ``(N,)`` -> one-hot ``(N, C)``; labels ``>= C`` (background) are all-zero."""
    bin_labels = labels.new_zeros((labels.size(0), label_channels))
    valid_mask = (labels >= 0) & (labels != ignore_index)
    inds = torch.nonzero(valid_mask & (labels < label_channels), as_tuple=False).squeeze(1)
    if inds.numel() > 0:
        bin_labels[inds, labels[inds]] = 1
    valid = valid_mask.view(-1, 1).expand(labels.size(0), label_channels).float()
    if label_weights is None:
        bin_label_weights = valid
    else:
        bin_label_weights = label_weights.view(-1, 1).repeat(1, label_channels) * valid
    return bin_labels, bin_label_weights, valid


def binary_cross_entropy(
    pred: Tensor,
    label: Tensor,
    weight: Optional[Tensor] = None,
    reduction: str = "mean",
    avg_factor: AvgFactor = None,
    class_weight: Optional[Tensor] = None,
    ignore_index: Optional[int] = -100,
    avg_non_ignore: bool = False,
) -> Tensor:
    """Sigmoid binary cross-entropy on logits.

    Args:
        pred: ``(N, C)`` (or any shape) logits.
        label: same shape as ``pred`` (soft or binary targets), or ``(N,)``
            class indices that are expanded to one-hot over the ``C``
            channels (index ``>= C`` means background: all zeros).
        weight: element or sample weights. Defaults to None.
        reduction: ``'none'``, ``'mean'`` or ``'sum'``. Defaults to ``'mean'``.
        avg_factor: divisor for ``'mean'``. Defaults to None.
        class_weight: ``pos_weight`` of ``binary_cross_entropy_with_logits``.
            Defaults to None.
        ignore_index: label value that contributes no loss; None means -100.
            Defaults to -100.
        avg_non_ignore: average over non-ignored elements only. Defaults to False.

    Returns:
        The loss.
    """
    ignore_index = -100 if ignore_index is None else ignore_index
    if pred.dim() != label.dim():
        label, weight, valid_mask = _expand_onehot_labels(
            label, weight, pred.size(-1), ignore_index
        )
    else:
        valid_mask = ((label >= 0) & (label != ignore_index)).float()
        weight = valid_mask if weight is None else weight * valid_mask
    if avg_factor is None and avg_non_ignore and reduction == "mean":
        avg_factor = valid_mask.sum().item()
    loss = F.binary_cross_entropy_with_logits(
        pred, label.float(), pos_weight=class_weight, reduction="none"
    )
    return weight_reduce_loss(loss, weight.float(), reduction=reduction, avg_factor=avg_factor)


def mask_cross_entropy(
    pred: Tensor,
    target: Tensor,
    label: Tensor,
    reduction: str = "mean",
    avg_factor: AvgFactor = None,
    class_weight: Optional[Tensor] = None,
    ignore_index: Optional[int] = None,
    **kwargs,
) -> Tensor:
    """Per-pixel sigmoid BCE of each RoI's mask for its own class.

    Args:
        pred: ``(R, C, h, w)`` mask logits (``C == 1`` for class-agnostic masks).
        target: ``(R, h, w)`` binary mask targets.
        label: ``(R,)`` class of each RoI (0 for class-agnostic masks).
        reduction: only ``'mean'`` (MMDetection's behaviour). Defaults to ``'mean'``.
        avg_factor: must be None. Defaults to None.
        class_weight: element weights of the BCE. Defaults to None.
        ignore_index: must be None. Defaults to None.

    Returns:
        ``(1,)`` mean loss.
    """
    if ignore_index is not None:
        raise ValueError(f"mask_cross_entropy: ignore_index must be None, got {ignore_index!r}")
    if reduction != "mean" or avg_factor is not None:
        raise ValueError(
            "mask_cross_entropy: only reduction='mean' without avg_factor is supported, "
            f"got reduction={reduction!r}, avg_factor={avg_factor!r}"
        )
    num_rois = pred.size(0)
    inds = torch.arange(num_rois, dtype=torch.long, device=pred.device)
    pred_slice = pred[inds, label.long()]
    return F.binary_cross_entropy_with_logits(
        pred_slice, target.to(pred_slice.dtype), weight=class_weight, reduction="mean"
    )[None]


@MODELS.register_module()
class CrossEntropyLoss(nn.Module):
    """Cross-entropy loss: softmax (default), sigmoid or mask variant.

    Args:
        use_sigmoid: use sigmoid BCE (one-hot expansion of index labels).
            Defaults to False.
        use_mask: use the per-class mask BCE of Mask R-CNN. Defaults to False.
        reduction: ``'none'``, ``'mean'`` or ``'sum'``. Defaults to ``'mean'``.
        class_weight: per-class weights. Defaults to None.
        ignore_index: label value to ignore. Defaults to None (-100).
        loss_weight: scalar factor. Defaults to 1.0.
        avg_non_ignore: average over non-ignored labels only. Defaults to False.

    Examples:
        >>> import torch
        >>> loss = CrossEntropyLoss()
        >>> float(loss(torch.zeros(1, 4), torch.tensor([2])))  # log(4)
        1.3862943649291992
    """

    def __init__(
        self,
        use_sigmoid: bool = False,
        use_mask: bool = False,
        reduction: str = "mean",
        class_weight: Optional[Sequence[float]] = None,
        ignore_index: Optional[int] = None,
        loss_weight: float = 1.0,
        avg_non_ignore: bool = False,
    ) -> None:
        super().__init__()
        if use_sigmoid and use_mask:
            raise ValueError("CrossEntropyLoss: use_sigmoid and use_mask cannot both be True")
        check_reduction(reduction, "CrossEntropyLoss")
        self.use_sigmoid = use_sigmoid
        self.use_mask = use_mask
        self.reduction = reduction
        self.loss_weight = loss_weight
        self.class_weight = None if class_weight is None else list(class_weight)
        self.ignore_index = ignore_index
        self.avg_non_ignore = avg_non_ignore
        if ignore_index is not None and not avg_non_ignore and reduction == "mean":
            warnings.warn(
                "CrossEntropyLoss: with ignore_index set and avg_non_ignore=False the mean "
                "also counts ignored labels; set avg_non_ignore=True to average over the "
                "non-ignored ones only",
                stacklevel=2,
            )
        if use_sigmoid:
            self.cls_criterion = binary_cross_entropy
        elif use_mask:
            self.cls_criterion = mask_cross_entropy
        else:
            self.cls_criterion = cross_entropy

    def extra_repr(self) -> str:
        """Printable summary of the non-default settings."""
        return (
            f"use_sigmoid={self.use_sigmoid}, use_mask={self.use_mask}, "
            f"avg_non_ignore={self.avg_non_ignore}, loss_weight={self.loss_weight}"
        )

    def forward(
        self,
        cls_score: Tensor,
        label: Tensor,
        weight: Optional[Tensor] = None,
        avg_factor: AvgFactor = None,
        reduction_override: Optional[str] = None,
        ignore_index: Optional[int] = None,
        **kwargs,
    ) -> Tensor:
        """Compute the loss.

        Args:
            cls_score: logits, ``(N, C)`` (softmax/sigmoid) or ``(R, C, h, w)`` (mask).
            label: ``(N,)`` class indices or ``(N, C)`` binary targets; for the
                mask variant the ``(R, h, w)`` mask targets.
            weight: sample weights; for the mask variant the ``(R,)`` RoI
                classes. Defaults to None.
            avg_factor: divisor for ``'mean'``. Defaults to None.
            reduction_override: overrides ``self.reduction``. Defaults to None.
            ignore_index: overrides ``self.ignore_index``. Defaults to None.

        Returns:
            The weighted loss.
        """
        check_reduction(reduction_override, "CrossEntropyLoss.forward")
        reduction = reduction_override if reduction_override else self.reduction
        if ignore_index is None:
            ignore_index = self.ignore_index
        class_weight = (
            cls_score.new_tensor(self.class_weight) if self.class_weight is not None else None
        )
        return self.loss_weight * self.cls_criterion(
            cls_score,
            label,
            weight,
            class_weight=class_weight,
            reduction=reduction,
            avg_factor=avg_factor,
            ignore_index=ignore_index,
            avg_non_ignore=self.avg_non_ignore,
            **kwargs,
        )
