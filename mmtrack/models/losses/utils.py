"""Weighting and reduction helpers shared by the losses (MMDetection's ``losses.utils``)."""

from __future__ import annotations

import functools
from typing import Callable, Optional, Union

import torch
from torch import Tensor

_REDUCTIONS = ("none", "mean", "sum")


def check_reduction(reduction: Optional[str], owner: str) -> None:
    """Raise a clear error unless ``reduction`` is None, 'none', 'mean' or 'sum'."""
    if reduction is not None and reduction not in _REDUCTIONS:
        raise ValueError(
            f"{owner}: reduction must be one of {_REDUCTIONS} (or None), got {reduction!r}"
        )


def reduce_loss(loss: Tensor, reduction: str) -> Tensor:
    """Reduce an element-wise loss.

    Args:
        loss: element-wise loss, any shape.
        reduction: ``'none'`` (unchanged), ``'mean'`` or ``'sum'``.

    Returns:
        The reduced loss (a scalar unless ``reduction == 'none'``).
    """
    if reduction == "none":
        return loss
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    raise ValueError(f"reduce_loss: reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def weight_reduce_loss(
    loss: Tensor,
    weight: Optional[Tensor] = None,
    reduction: str = "mean",
    avg_factor: Union[float, Tensor, None] = None,
) -> Tensor:
    """Apply element-wise weights, then reduce.

    With ``avg_factor`` and ``reduction='mean'`` the weighted loss is summed
    and divided by ``avg_factor + eps`` (eps = float32 machine epsilon), as in
    MMDetection; ``avg_factor`` with ``'sum'`` is an error.

    Args:
        loss: element-wise loss.
        weight: element-wise weights broadcastable to ``loss``. Defaults to None.
        reduction: ``'none'``, ``'mean'`` or ``'sum'``. Defaults to ``'mean'``.
        avg_factor: divisor of the summed loss for ``'mean'``. Defaults to None.

    Returns:
        The reduced loss.
    """
    if weight is not None:
        loss = loss * weight
    if avg_factor is None:
        return reduce_loss(loss, reduction)
    if reduction == "mean":
        eps = torch.finfo(torch.float32).eps
        return loss.sum() / (avg_factor + eps)
    if reduction == "none":
        return loss
    raise ValueError(f"weight_reduce_loss: avg_factor cannot be used with reduction={reduction!r}")


def weighted_loss(loss_func: Callable[..., Tensor]) -> Callable[..., Tensor]:
    """Decorate an element-wise loss ``f(pred, target, **kw)`` with weighting.

    The decorated function takes ``(pred, target, weight=None,
    reduction='mean', avg_factor=None, **kw)``.

    Examples:
        >>> import torch
        >>> @weighted_loss
        ... def abs_loss(pred, target):
        ...     return (pred - target).abs()
        >>> pred, target = torch.tensor([0., 2., 3.]), torch.tensor([1., 1., 1.])
        >>> abs_loss(pred, target)
        tensor(1.3333)
        >>> abs_loss(pred, target, torch.tensor([1., 0., 1.]), avg_factor=2)
        tensor(1.5000)
    """

    @functools.wraps(loss_func)
    def wrapper(
        pred: Tensor,
        target: Tensor,
        weight: Optional[Tensor] = None,
        reduction: str = "mean",
        avg_factor: Union[float, Tensor, None] = None,
        **kwargs,
    ) -> Tensor:
        loss = loss_func(pred, target, **kwargs)
        return weight_reduce_loss(loss, weight, reduction, avg_factor)

    return wrapper
