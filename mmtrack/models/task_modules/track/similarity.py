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
    # Coordinates as contiguous rows: broadcasting (2, N, 1) against (2, 1, M) rows is
    # several times cheaper than against strided slices of the (N, 4) arrays.
    p, q = b1.T.copy(), b2.T.copy()
    iwh = np.minimum(p[2:, :, None], q[2:, None, :])
    iwh -= np.maximum(p[:2, :, None], q[:2, None, :])
    np.maximum(iwh, 0, out=iwh)
    inter = iwh[0] * iwh[1]
    wh1, wh2 = p[2:] - p[:2], q[2:] - q[:2]
    union = (wh1[0] * wh1[1])[:, None] + wh2[0] * wh2[1]
    union -= inter
    if mode == "iou":
        # Pairs with an empty (or negative) union have no intersection: IoU 0.
        np.maximum(union, 1e-300, out=union)
        inter /= union
        return inter
    iou = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
    ex = np.maximum(p[2][:, None], q[2]) - np.minimum(p[0][:, None], q[0])
    ey = np.maximum(p[3][:, None], q[3]) - np.minimum(p[1][:, None], q[1])
    enclose = ex * ey
    penalty = np.divide(enclose - union, enclose, out=np.zeros_like(enclose), where=enclose > 0)
    return iou - penalty


def cosine_distance(feats1: np.ndarray, feats2: np.ndarray) -> np.ndarray:
    """``1 - cos`` between ``(N, C)`` and ``(M, C)`` embeddings, ``(N, M)`` in ``[0, 2]``."""
    a = np.asarray(feats1, dtype=np.float64)
    b = np.asarray(feats2, dtype=np.float64)
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)))
    a = a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)
    b = b / np.maximum(np.linalg.norm(b, axis=1, keepdims=True), 1e-12)
    return 1.0 - a @ b.T


def overlapping_pairs(boxes1: np.ndarray, boxes2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs of x1y1x2y2 boxes whose intersection has positive area.

    A sweep over ``boxes2`` sorted by ``x1`` finds, for every box of
    ``boxes1``, the boxes whose x-interval can overlap it; only those are
    checked. Far cheaper than a dense ``(N, M)`` matrix when boxes are spread
    over the image, as in crowded tracking scenes.

    Args:
        boxes1: ``(N, 4)`` boxes.
        boxes2: ``(M, 4)`` boxes.

    Returns:
        ``(i, j)`` int arrays of the overlapping pairs, sorted by ``i`` then ``j``.
    """
    n, m = len(boxes1), len(boxes2)
    if n == 0 or m == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    order = np.argsort(boxes2[:, 0], kind="stable")
    x1_sorted = boxes2[order, 0]
    max_w = float(np.max(boxes2[:, 2] - boxes2[:, 0]))
    lo = np.searchsorted(x1_sorted, boxes1[:, 0] - max_w, side="left")
    hi = np.searchsorted(x1_sorted, boxes1[:, 2], side="left")
    counts = np.maximum(hi - lo, 0)
    total = int(counts.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    i = np.repeat(np.arange(n), counts)
    starts = np.cumsum(counts) - counts
    j = order[np.arange(total) - np.repeat(starts, counts) + np.repeat(lo, counts)]
    b1, b2 = boxes1[i], boxes2[j]
    ok = (np.minimum(b1[:, 2], b2[:, 2]) > np.maximum(b1[:, 0], b2[:, 0])) & (
        np.minimum(b1[:, 3], b2[:, 3]) > np.maximum(b1[:, 1], b2[:, 1])
    )
    i, j = i[ok], j[ok]
    srt = np.lexsort((j, i))
    return i[srt], j[srt]


def iou_pairs(boxes1: np.ndarray, boxes2: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """IoU of the overlapping pairs only (sparse form of :func:`iou_matrix`).

    Args:
        boxes1: ``(N, 4)`` x1y1x2y2 boxes.
        boxes2: ``(M, 4)`` x1y1x2y2 boxes.

    Returns:
        ``(i, j, iou)``: the pairs with positive intersection and their IoU.
    """
    b1 = np.asarray(boxes1, dtype=np.float64).reshape(-1, 4)
    b2 = np.asarray(boxes2, dtype=np.float64).reshape(-1, 4)
    if len(b1) * len(b2) <= 4096:
        # Small problems: one dense matrix costs fewer numpy calls than the sweep.
        dense = iou_matrix(b1, b2)
        i, j = np.nonzero(dense > 0)
        return i, j, dense[i, j]
    i, j = overlapping_pairs(b1, b2)
    if len(i) == 0:
        return i, j, np.empty(0)
    p, q = b1[i], b2[j]
    inter = (np.minimum(p[:, 2], q[:, 2]) - np.maximum(p[:, 0], q[:, 0])) * (
        np.minimum(p[:, 3], q[:, 3]) - np.maximum(p[:, 1], q[:, 1])
    )
    area_p = (p[:, 2] - p[:, 0]) * (p[:, 3] - p[:, 1])
    area_q = (q[:, 2] - q[:, 0]) * (q[:, 3] - q[:, 1])
    return i, j, inter / (area_p + area_q - inter)
