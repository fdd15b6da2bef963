"""Pairwise box and appearance similarities on numpy arrays (tracker hot path)."""

from __future__ import annotations

import numpy as np


def iou_matrix(boxes1: np.ndarray, boxes2: np.ndarray, mode: str = "iou") -> np.ndarray:
    """IoU or GIoU between two sets of x1y1x2y2 boxes.

    Args:
        boxes1: ``(N, 4)`` boxes.
        boxes2: ``(M, 4)`` boxes.
        mode: ``'iou'`` or ``'giou'``. Defaults to ``'iou'``.

    Returns:
        ``(N, M)`` float64 matrix; 0 (IoU) for pairs whose union is empty.
    """
    if mode not in ("iou", "giou"):
        raise ValueError(f"iou_matrix: mode must be 'iou' or 'giou', got {mode!r}")
    b1 = np.asarray(boxes1, dtype=np.float64).reshape(-1, 4)
    b2 = np.asarray(boxes2, dtype=np.float64).reshape(-1, 4)
    if len(b1) == 0 or len(b2) == 0:
        return np.zeros((len(b1), len(b2)))
    area1 = (b1[:, 2] - b1[:, 0]) * (b1[:, 3] - b1[:, 1])
    area2 = (b2[:, 2] - b2[:, 0]) * (b2[:, 3] - b2[:, 1])
    lt_x = np.maximum(b1[:, None, 0], b2[None, :, 0])
    lt_y = np.maximum(b1[:, None, 1], b2[None, :, 1])
    rb_x = np.minimum(b1[:, None, 2], b2[None, :, 2])
    rb_y = np.minimum(b1[:, None, 3], b2[None, :, 3])
    inter = np.clip(rb_x - lt_x, 0, None) * np.clip(rb_y - lt_y, 0, None)
    union = area1[:, None] + area2[None, :] - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        iou = np.where(union > 0, inter / union, 0.0)
    if mode == "iou":
        return iou
    ex = np.maximum(b1[:, None, 2], b2[None, :, 2]) - np.minimum(b1[:, None, 0], b2[None, :, 0])
    ey = np.maximum(b1[:, None, 3], b2[None, :, 3]) - np.minimum(b1[:, None, 1], b2[None, :, 1])
    enclose = ex * ey
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(enclose > 0, iou - (enclose - union) / enclose, iou)


def cosine_distance(feats1: np.ndarray, feats2: np.ndarray) -> np.ndarray:
    """``1 - cos`` between ``(N, C)`` and ``(M, C)`` embeddings, ``(N, M)`` in ``[0, 2]``."""
    a = np.asarray(feats1, dtype=np.float64)
    b = np.asarray(feats2, dtype=np.float64)
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)))
    a = a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)
    b = b / np.maximum(np.linalg.norm(b, axis=1, keepdims=True), 1e-12)
    return 1.0 - a @ b.T
