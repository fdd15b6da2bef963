"""Box format conversions and geometric helpers.

Formats (all in pixels, float):

* ``xyxy``: ``(x1, y1, x2, y2)``, the project's canonical format, no ``+1`` width.
* ``xywh``: ``(x1, y1, w, h)``, COCO / MOTChallenge files.
* ``cxcywh``: ``(cx, cy, w, h)``.
* ``cxcyah``: ``(cx, cy, w / h, h)``, the Kalman state of SORT/DeepSORT/ByteTrack.

Every function accepts a tensor or numpy array of shape ``(..., 4)`` and
returns the same type.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Union

import numpy as np
import torch

BoxArray = Union[torch.Tensor, np.ndarray]


def _cat(parts: list, like: BoxArray) -> BoxArray:
    if isinstance(like, torch.Tensor):
        return torch.stack(parts, dim=-1)
    return np.stack(parts, axis=-1)


def bbox_xyxy_to_cxcywh(bboxes: BoxArray) -> BoxArray:
    """``(..., 4)`` x1y1x2y2 -> cxcywh."""
    x1, y1, x2, y2 = (bboxes[..., i] for i in range(4))
    return _cat([(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1], bboxes)


def bbox_cxcywh_to_xyxy(bboxes: BoxArray) -> BoxArray:
    """``(..., 4)`` cxcywh -> x1y1x2y2."""
    cx, cy, w, h = (bboxes[..., i] for i in range(4))
    return _cat([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], bboxes)


def bbox_xyxy_to_xywh(bboxes: BoxArray) -> BoxArray:
    """``(..., 4)`` x1y1x2y2 -> x1y1wh."""
    x1, y1, x2, y2 = (bboxes[..., i] for i in range(4))
    return _cat([x1, y1, x2 - x1, y2 - y1], bboxes)


def bbox_xywh_to_xyxy(bboxes: BoxArray) -> BoxArray:
    """``(..., 4)`` x1y1wh -> x1y1x2y2."""
    x1, y1, w, h = (bboxes[..., i] for i in range(4))
    return _cat([x1, y1, x1 + w, y1 + h], bboxes)


def bbox_xyxy_to_cxcyah(bboxes: BoxArray) -> BoxArray:
    """``(..., 4)`` x1y1x2y2 -> (cx, cy, aspect = w / h, h)."""
    x1, y1, x2, y2 = (bboxes[..., i] for i in range(4))
    w, h = x2 - x1, y2 - y1
    return _cat([(x1 + x2) / 2, (y1 + y2) / 2, w / h, h], bboxes)


def bbox_cxcyah_to_xyxy(bboxes: BoxArray) -> BoxArray:
    """``(..., 4)`` (cx, cy, w / h, h) -> x1y1x2y2."""
    cx, cy, a, h = (bboxes[..., i] for i in range(4))
    w = a * h
    return _cat([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], bboxes)


_CONVERTERS = {
    ("xyxy", "cxcywh"): bbox_xyxy_to_cxcywh,
    ("cxcywh", "xyxy"): bbox_cxcywh_to_xyxy,
    ("xyxy", "xywh"): bbox_xyxy_to_xywh,
    ("xywh", "xyxy"): bbox_xywh_to_xyxy,
    ("xyxy", "cxcyah"): bbox_xyxy_to_cxcyah,
    ("cxcyah", "xyxy"): bbox_cxcyah_to_xyxy,
}


def box_convert(bboxes: BoxArray, in_fmt: str, out_fmt: str) -> BoxArray:
    """Convert boxes between any two of ``xyxy, xywh, cxcywh, cxcyah``.

    Args:
        bboxes: ``(..., 4)`` boxes in ``in_fmt``.
        in_fmt: source format.
        out_fmt: target format.

    Returns:
        Boxes of the same shape and type in ``out_fmt``.
    """
    fmts = {"xyxy", "xywh", "cxcywh", "cxcyah"}
    if in_fmt not in fmts or out_fmt not in fmts:
        raise ValueError(f"box_convert: unknown format {in_fmt!r} -> {out_fmt!r}; use {fmts}")
    if in_fmt == out_fmt:
        return bboxes.clone() if isinstance(bboxes, torch.Tensor) else bboxes.copy()
    if in_fmt != "xyxy":
        bboxes = _CONVERTERS[(in_fmt, "xyxy")](bboxes)
    if out_fmt == "xyxy":
        return bboxes
    return _CONVERTERS[("xyxy", out_fmt)](bboxes)


def bbox_clip(bboxes: BoxArray, img_shape: Sequence[int]) -> BoxArray:
    """Clip x1y1x2y2 boxes to an image of shape ``(h, w)``: x to ``[0, w]``, y to ``[0, h]``."""
    h, w = img_shape[:2]
    if isinstance(bboxes, torch.Tensor):
        out = bboxes.clone()
        out[..., 0::2] = out[..., 0::2].clamp(0, w)
        out[..., 1::2] = out[..., 1::2].clamp(0, h)
        return out
    out = bboxes.copy()
    out[..., 0::2] = np.clip(out[..., 0::2], 0, w)
    out[..., 1::2] = np.clip(out[..., 1::2], 0, h)
    return out


def bbox_flip(
    bboxes: BoxArray, img_shape: Sequence[int], direction: str = "horizontal"
) -> BoxArray:
    """Flip x1y1x2y2 boxes in an image of shape ``(h, w)``.

    Args:
        bboxes: ``(..., 4)`` boxes.
        img_shape: ``(h, w)`` of the image.
        direction: ``'horizontal'``, ``'vertical'`` or ``'diagonal'``.
    """
    if direction not in ("horizontal", "vertical", "diagonal"):
        raise ValueError(f"bbox_flip: unknown direction {direction!r}")
    h, w = img_shape[:2]
    out = bboxes.clone() if isinstance(bboxes, torch.Tensor) else bboxes.copy()
    if direction in ("horizontal", "diagonal"):
        out[..., 0] = w - bboxes[..., 2]
        out[..., 2] = w - bboxes[..., 0]
    if direction in ("vertical", "diagonal"):
        out[..., 1] = h - bboxes[..., 3]
        out[..., 3] = h - bboxes[..., 1]
    return out


def bbox_rescale(bboxes: BoxArray, scale_factor: float = 1.0) -> BoxArray:
    """Scale x1y1x2y2 boxes about their centres by ``scale_factor`` (width and height)."""
    c = bbox_xyxy_to_cxcywh(bboxes)
    c[..., 2:] = c[..., 2:] * scale_factor
    return bbox_cxcywh_to_xyxy(c)


def scale_boxes(bboxes: BoxArray, scale_factor: Sequence[float]) -> BoxArray:
    """Multiply x1y1x2y2 boxes by ``(sx, sy)`` (e.g. map between image sizes)."""
    sx, sy = float(scale_factor[0]), float(scale_factor[1])
    out = bboxes.clone() if isinstance(bboxes, torch.Tensor) else bboxes.copy()
    out[..., 0::2] = out[..., 0::2] * sx
    out[..., 1::2] = out[..., 1::2] * sy
    return out


def bbox2roi(bbox_list: Sequence[torch.Tensor]) -> torch.Tensor:
    """Turn a list of per-image ``(n_i, 4+)`` boxes into ``(sum n_i, 5)`` rois ``[idx, x1..y2]``."""
    rois = []
    for i, b in enumerate(bbox_list):
        idx = b.new_full((b.size(0), 1), i)
        rois.append(torch.cat([idx, b[:, :4]], dim=-1))
    if not rois:
        return torch.zeros((0, 5))
    return torch.cat(rois, 0)


def roi2bbox(rois: torch.Tensor) -> list[torch.Tensor]:
    """Split ``(N, 5)`` rois back into per-image ``(n_i, 4)`` boxes."""
    if rois.numel() == 0:
        return []
    img_ids = rois[:, 0].long().unique(sorted=True)
    return [rois[rois[:, 0] == i, 1:] for i in img_ids.tolist()]
