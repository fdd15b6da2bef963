"""Helpers shared by the geometric transforms (numpy boxes and masks)."""

from __future__ import annotations

import cv2
import numpy as np

# Per-instance keys that are filtered together with ``gt_bboxes``.
INSTANCE_KEYS = ("gt_bboxes", "gt_bboxes_labels", "gt_instances_ids", "gt_ignore_flags", "gt_masks")


def filter_instances(results: dict, keep: np.ndarray) -> None:
    """Keep instances where ``keep`` (bool ``(N,)``) is True, in every per-instance key."""
    for key in INSTANCE_KEYS:
        if key in results and results[key] is not None:
            results[key] = results[key][keep]


def clip_boxes(bboxes: np.ndarray, img_shape: tuple) -> np.ndarray:
    """Clip ``(N, 4)`` x1y1x2y2 boxes into ``[0, w] x [0, h]``."""
    h, w = img_shape[:2]
    out = bboxes.copy()
    out[:, 0::2] = out[:, 0::2].clip(0, w)
    out[:, 1::2] = out[:, 1::2].clip(0, h)
    return out


def boxes_inside(bboxes: np.ndarray, img_shape: tuple) -> np.ndarray:
    """Whether each box overlaps the image ``[0, w) x [0, h)`` (bool ``(N,)``)."""
    h, w = img_shape[:2]
    return (bboxes[:, 0] < w) & (bboxes[:, 1] < h) & (bboxes[:, 2] > 0) & (bboxes[:, 3] > 0)


def resize_masks(masks: np.ndarray, size_wh: tuple[int, int]) -> np.ndarray:
    """Nearest-neighbour resize of ``(N, H, W)`` bool masks to ``(N, h, w)``."""
    w, h = size_wh
    if len(masks) == 0:
        return np.zeros((0, h, w), dtype=bool)
    out = [cv2.resize(m.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST) for m in masks]
    return np.stack(out).astype(bool)


def project_boxes(bboxes: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Map ``(N, 4)`` boxes through a ``3x3`` homography: the box of the four
    projected corners."""
    if len(bboxes) == 0:
        return bboxes.reshape(0, 4).astype(np.float32)
    x1, y1, x2, y2 = bboxes.T
    xs = np.stack([x1, x2, x2, x1], axis=1)
    ys = np.stack([y1, y1, y2, y2], axis=1)
    pts = np.stack([xs, ys, np.ones_like(xs)], axis=-1) @ matrix.T  # (N, 4, 3)
    pts = pts[..., :2] / pts[..., 2:3]
    return np.concatenate([pts.min(axis=1), pts.max(axis=1)], axis=1).astype(np.float32)
