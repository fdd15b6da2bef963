"""Pairwise and aligned IoU / IoF / GIoU of x1y1x2y2 boxes (MMDetection's ``bbox_overlaps``)."""

from __future__ import annotations

from typing import Union

import numpy as np
import torch
from torch import Tensor

_MODES = ("iou", "iof", "giou")


def _as_boxes(boxes: Union[Tensor, np.ndarray], name: str) -> Tensor:
    if isinstance(boxes, np.ndarray):
        boxes = torch.from_numpy(boxes)
    if not isinstance(boxes, Tensor):
        raise TypeError(
            f"bbox_overlaps: {name} must be a torch.Tensor or np.ndarray, "
            f"got {type(boxes).__name__}"
        )
    if boxes.dim() == 1 and boxes.numel() == 0:
        boxes = boxes.reshape(0, 4)
    if boxes.dim() < 2 or (boxes.size(-1) != 4 and boxes.size(-2) != 0):
        raise ValueError(
            f"bbox_overlaps: {name} must have shape (..., n, 4), got {tuple(boxes.shape)}"
        )
    return boxes


def bbox_overlaps(
    bboxes1: Union[Tensor, np.ndarray],
    bboxes2: Union[Tensor, np.ndarray],
    mode: str = "iou",
    is_aligned: bool = False,
    eps: float = 1e-6,
) -> Union[Tensor, np.ndarray]:
    """Overlaps between two sets of x1y1x2y2 boxes (width ``x2 - x1``, no ``+1``).

    * ``'iou'``: ``|A ∩ B| / max(|A| + |B| - |A ∩ B|, eps)``;
    * ``'iof'`` (intersection over foreground): ``|A ∩ B| / max(|A|, eps)``;
    * ``'giou'``: ``IoU - (|C| - U) / max(|C|, eps)`` with ``C`` the smallest
      box enclosing both and ``U`` the clamped union.

    Inverted boxes (``x2 < x1``) have a negative area, as in MMDetection; the
    intersection width and height are clamped at 0.

    Args:
        bboxes1: ``(..., m, 4)`` boxes (tensor or numpy array).
        bboxes2: ``(..., n, 4)`` boxes with the same batch dims ``...``.
        mode: ``'iou'``, ``'iof'`` or ``'giou'``. Defaults to ``'iou'``.
        is_aligned: compare ``bboxes1[i]`` with ``bboxes2[i]`` only (needs
            ``m == n``). Defaults to False.
        eps: lower bound of the denominators. Defaults to 1e-6.

    Returns:
        ``(..., m, n)`` overlaps, or ``(..., m)`` when ``is_aligned``; the type of
        ``bboxes1``. Empty inputs give empty outputs of these shapes.

    Examples:
        >>> a = torch.tensor([[0., 0., 10., 10.]])
        >>> b = torch.tensor([[5., 0., 15., 10.], [20., 20., 30., 30.]])
        >>> bbox_overlaps(a, b)
        tensor([[0.3333, 0.0000]])
    """
    if mode not in _MODES:
        raise ValueError(f"bbox_overlaps: mode must be one of {_MODES}, got {mode!r}")
    is_numpy = isinstance(bboxes1, np.ndarray)
    b1 = _as_boxes(bboxes1, "bboxes1")
    b2 = _as_boxes(bboxes2, "bboxes2").to(device=b1.device)
    if b1.shape[:-2] != b2.shape[:-2]:
        raise ValueError(
            "bbox_overlaps: batch dims of bboxes1 and bboxes2 differ: "
            f"{tuple(b1.shape)} vs {tuple(b2.shape)}"
        )
    if b2.dtype != b1.dtype:
        dtype = torch.promote_types(b1.dtype, b2.dtype)
        b1, b2 = b1.to(dtype), b2.to(dtype)
    batch_shape = b1.shape[:-2]
    rows, cols = b1.size(-2), b2.size(-2)
    if is_aligned and rows != cols:
        raise ValueError(
            "bbox_overlaps: is_aligned=True needs as many bboxes1 as bboxes2, "
            f"got {rows} and {cols}"
        )

    if rows * cols == 0:
        shape = batch_shape + ((rows,) if is_aligned else (rows, cols))
        out = b1.new_zeros(shape)
        return out.numpy() if is_numpy else out

    # Each coordinate is broadcast on its own so the largest temporaries are
    # (..., m, n), never (..., m, n, 2).
    if is_aligned:
        x1a, y1a, x2a, y2a = b1.unbind(-1)
        x1b, y1b, x2b, y2b = b2.unbind(-1)
    else:
        x1a, y1a, x2a, y2a = (c.unsqueeze(-1) for c in b1.unbind(-1))
        x1b, y1b, x2b, y2b = (c.unsqueeze(-2) for c in b2.unbind(-1))
    area1 = (x2a - x1a) * (y2a - y1a)
    area2 = (x2b - x1b) * (y2b - y1b)

    inter_w = (torch.minimum(x2a, x2b) - torch.maximum(x1a, x1b)).clamp(min=0)
    inter_h = (torch.minimum(y2a, y2b) - torch.maximum(y1a, y1b)).clamp(min=0)
    overlap = inter_w * inter_h
    union = area1 + area2 - overlap if mode in ("iou", "giou") else area1.expand_as(overlap)

    eps_t = union.new_tensor([eps])
    union = torch.max(union, eps_t)
    ious = overlap / union
    if mode != "giou":
        return ious.numpy() if is_numpy else ious

    enclose_w = (torch.maximum(x2a, x2b) - torch.minimum(x1a, x1b)).clamp(min=0)
    enclose_h = (torch.maximum(y2a, y2b) - torch.minimum(y1a, y1b)).clamp(min=0)
    enclose_area = torch.max(enclose_w * enclose_h, eps_t)
    gious = ious - (enclose_area - union) / enclose_area
    return gious.numpy() if is_numpy else gious
