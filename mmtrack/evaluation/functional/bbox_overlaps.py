"""Pairwise box IoU in numpy, as MMDetection's ``bbox_overlaps``."""

from __future__ import annotations

import numpy as np


def bbox_overlaps(
    bboxes1: np.ndarray, bboxes2: np.ndarray, mode: str = "iou", eps: float = 1e-6
) -> np.ndarray:
    """IoU (or IoF) between every box of ``bboxes1`` and every box of ``bboxes2``.

    Computed in float32 with areas ``(x2 - x1) * (y2 - y1)`` and the union
    clamped to ``eps``, like MMDetection 2.x's ``bbox_overlaps`` that
    MMTracking's SOT evaluation uses, so that values on a threshold compare
    the same way.

    Args:
        bboxes1 (np.ndarray): ``(N, 4)`` boxes, x1y1x2y2.
        bboxes2 (np.ndarray): ``(K, 4)`` boxes, x1y1x2y2.
        mode (str): ``'iou'`` or ``'iof'`` (intersection over the area of
            ``bboxes1``).
        eps (float): Lower bound of the denominator.

    Returns:
        np.ndarray: ``(N, K)`` float32.
    """
    if mode not in ("iou", "iof"):
        raise ValueError(f"mode must be 'iou' or 'iof', got {mode!r}")
    b1 = np.asarray(bboxes1).astype(np.float32).reshape(-1, 4)
    b2 = np.asarray(bboxes2).astype(np.float32).reshape(-1, 4)
    ious = np.zeros((len(b1), len(b2)), dtype=np.float32)
    if len(b1) * len(b2) == 0:
        return ious
    area1 = (b1[:, 2] - b1[:, 0]) * (b1[:, 3] - b1[:, 1])
    area2 = (b2[:, 2] - b2[:, 0]) * (b2[:, 3] - b2[:, 1])
    width = np.maximum(
        np.minimum(b1[:, None, 2], b2[None, :, 2]) - np.maximum(b1[:, None, 0], b2[None, :, 0]), 0
    )
    height = np.maximum(
        np.minimum(b1[:, None, 3], b2[None, :, 3]) - np.maximum(b1[:, None, 1], b2[None, :, 1]), 0
    )
    overlap = width * height
    if mode == "iou":
        union = area1[:, None] + area2[None, :] - overlap
    else:
        union = np.broadcast_to(area1[:, None], overlap.shape)
    union = np.maximum(union, np.float32(eps))
    ious[:] = overlap / union
    return ious
