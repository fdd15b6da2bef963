"""Shared steps of the Kalman-filter trackers (SORT, ByteTrack, OC-SORT, ...)."""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

from mmtrack.models.task_modules.track import iou_matrix, iou_pairs, linear_assignment_sparse

# Cost added to pairs of a track and a detection of different classes.
CLASS_MISMATCH_COST = 1e6
# Problems with at most this many track x detection pairs use dense matrices.
_DENSE_PAIRS = 4096
# Cost of an inadmissible pair in a dense block (admissible costs are <= 1).
_BIG = 1e6
_EMPTY = np.empty(0, dtype=np.int64)


def kf_boxes(mean: np.ndarray, box_format: str = "xyah") -> np.ndarray:
    """``(K, 8)`` Kalman means -> ``(K, 4)`` x1y1x2y2 boxes."""
    out = np.empty((len(mean), 4))
    if len(mean) == 0:
        return out
    h = mean[:, 3]
    w = mean[:, 2] if box_format == "xywh" else mean[:, 2] * h
    out[:, 0] = mean[:, 0] - w / 2
    out[:, 1] = mean[:, 1] - h / 2
    out[:, 2] = mean[:, 0] + w / 2
    out[:, 3] = mean[:, 1] + h / 2
    return out


def kf_measurements(bboxes: np.ndarray, box_format: str = "xyah") -> np.ndarray:
    """``(N, 4)`` x1y1x2y2 boxes -> measurements in the Kalman filter's format."""
    out = np.empty((len(bboxes), 4))
    w = bboxes[:, 2] - bboxes[:, 0]
    h = bboxes[:, 3] - bboxes[:, 1]
    out[:, 0] = bboxes[:, 0] + w / 2
    out[:, 1] = bboxes[:, 1] + h / 2
    out[:, 2] = w if box_format == "xywh" else w / h
    out[:, 3] = h
    return out


def iou_match(
    track_boxes: np.ndarray,
    det_boxes: np.ndarray,
    track_labels: np.ndarray,
    det_labels: np.ndarray,
    min_iou: float,
    det_scores: np.ndarray | None = None,
    strict: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Match tracks and detections of the same class by IoU.

    The cost of a pair is ``1 - IoU`` (``1 - IoU * score`` when ``det_scores``
    is given); a pair is admissible when its (weighted) IoU is at least
    ``min_iou`` (strictly above it when ``strict``) and the classes agree.
    Only overlapping pairs are ever looked at, so the work grows with the
    number of overlaps, not with ``K * N``.

    Args:
        track_boxes: ``(K, 4)`` x1y1x2y2 track boxes.
        det_boxes: ``(N, 4)`` x1y1x2y2 detections.
        track_labels: ``(K,)`` track classes.
        det_labels: ``(N,)`` detection classes.
        min_iou: smallest admissible (weighted) IoU, > 0.
        det_scores: ``(N,)`` scores weighting the IoU, or None.
        strict: require ``IoU > min_iou`` instead of ``>=``. Defaults to False.

    Returns:
        ``rows`` and ``cols`` of the matched pairs and the unmatched column indices.
    """
    k, n = len(track_boxes), len(det_boxes)
    if k == 0 or n == 0:
        return _EMPTY, _EMPTY, np.arange(n)
    if k * n <= _DENSE_PAIRS:
        # Small problem: a dense matrix costs fewer numpy calls than the sweep.
        iou = iou_matrix(track_boxes, det_boxes)
        if det_scores is not None:
            iou *= det_scores[None, :]
        ok = (iou > min_iou) if strict else (iou >= min_iou)
        ok &= track_labels[:, None] == det_labels[None, :]
        row_deg, col_deg = ok.sum(axis=1), ok.sum(axis=0)
        if row_deg.max() <= 1 and col_deg.max() <= 1:
            # Every admissible pair is alone in its row and column: it is the matching.
            rows, cols = np.nonzero(ok)
        else:
            r_ok, c_ok = np.flatnonzero(row_deg), np.flatnonzero(col_deg)
            sub = np.where(ok[np.ix_(r_ok, c_ok)], 1.0 - iou[np.ix_(r_ok, c_ok)], _BIG)
            rr, cc = linear_sum_assignment(sub)
            keep = sub[rr, cc] < _BIG
            rows, cols = r_ok[rr[keep]], c_ok[cc[keep]]
        used = np.zeros(n, dtype=bool)
        used[cols] = True
        return rows, cols, np.flatnonzero(~used)
    i, j, iou = iou_pairs(track_boxes, det_boxes)
    if det_scores is not None:
        iou = iou * det_scores[j]
    ok = (iou > min_iou) if strict else (iou >= min_iou)
    ok &= track_labels[i] == det_labels[j]
    matches, _, unmatched = linear_assignment_sparse(
        i[ok], j[ok], 1.0 - iou[ok], len(track_boxes), len(det_boxes)
    )
    return matches[:, 0], matches[:, 1], unmatched
