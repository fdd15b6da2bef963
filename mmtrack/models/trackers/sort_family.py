"""Shared steps of the Kalman-filter trackers (SORT, ByteTrack, OC-SORT, ...)."""

from __future__ import annotations

import numpy as np

from mmtrack.models.task_modules.track import iou_matrix, linear_assignment
from mmtrack.structures.bbox import bbox_cxcyah_to_xyxy, bbox_xyxy_to_cxcyah

# Cost added to pairs of a track and a detection of different classes.
CLASS_MISMATCH_COST = 1e6


def kf_boxes(mean: np.ndarray, box_format: str = "xyah") -> np.ndarray:
    """``(K, 8)`` Kalman means -> ``(K, 4)`` x1y1x2y2 boxes."""
    if len(mean) == 0:
        return np.zeros((0, 4))
    if box_format == "xywh":
        cx, cy, w, h = mean[:, 0], mean[:, 1], mean[:, 2], mean[:, 3]
        return np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1)
    return bbox_cxcyah_to_xyxy(mean[:, :4])


def kf_measurements(bboxes: np.ndarray, box_format: str = "xyah") -> np.ndarray:
    """``(N, 4)`` x1y1x2y2 boxes -> measurements in the Kalman filter's format."""
    if box_format == "xywh":
        w = bboxes[:, 2] - bboxes[:, 0]
        h = bboxes[:, 3] - bboxes[:, 1]
        return np.stack([bboxes[:, 0] + w / 2, bboxes[:, 1] + h / 2, w, h], axis=1)
    return bbox_xyxy_to_cxcyah(bboxes)


def iou_cost(
    track_boxes: np.ndarray,
    det_boxes: np.ndarray,
    track_labels: np.ndarray,
    det_labels: np.ndarray,
    det_scores: np.ndarray | None = None,
) -> np.ndarray:
    """``1 - IoU`` (optionally ``1 - IoU * score``) with class gating.

    Args:
        track_boxes: ``(K, 4)`` x1y1x2y2 track boxes.
        det_boxes: ``(N, 4)`` x1y1x2y2 detections.
        track_labels: ``(K,)`` track classes.
        det_labels: ``(N,)`` detection classes.
        det_scores: ``(N,)`` scores to weight the IoU with, or None.

    Returns:
        ``(K, N)`` cost; pairs of different classes cost ``CLASS_MISMATCH_COST``.
    """
    ious = iou_matrix(track_boxes, det_boxes)
    if det_scores is not None:
        ious = ious * det_scores[None, :]
    cost = 1.0 - ious
    cost[track_labels[:, None] != det_labels[None, :]] += CLASS_MISMATCH_COST
    return cost


def match(cost: np.ndarray, max_cost: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Linear assignment keeping pairs with ``cost <= max_cost``.

    Returns:
        ``(rows, cols)`` of the matches and the unmatched column indices.
    """
    matches, _, unmatched_cols = linear_assignment(cost, max_cost)
    return matches[:, 0], matches[:, 1], unmatched_cols
