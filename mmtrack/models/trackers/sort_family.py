"""Shared steps of the Kalman-filter trackers (SORT, ByteTrack, OC-SORT, ...)."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from mmtrack.models.task_modules.track import iou_matrix, iou_pairs, match_pairs

# Problems with at most this many track x detection pairs use dense matrices.
_DENSE_PAIRS = 4096
_EMPTY = np.empty(0, dtype=np.int64)


def kf_boxes(mean: np.ndarray, box_format: str = "xyah") -> np.ndarray:
    """``(K, 8)`` Kalman means -> ``(K, 4)`` x1y1x2y2 boxes."""
    half = mean[:, 2:4] * 0.5
    if box_format != "xywh":
        half[:, 0] *= mean[:, 3]  # w = a * h
    return np.concatenate((mean[:, :2] - half, mean[:, :2] + half), axis=1)


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


def admissible_pairs(
    track_boxes: np.ndarray,
    det_boxes: np.ndarray,
    track_labels: np.ndarray,
    det_labels: np.ndarray,
    min_iou: float,
    det_scores: np.ndarray | None = None,
    strict: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Track/detection pairs of the same class whose (weighted) IoU reaches ``min_iou``.

    Small problems use one dense IoU matrix; large ones look only at
    overlapping pairs (:func:`iou_pairs`), so the work grows with the number
    of overlaps, not with ``K * N``.

    Args:
        track_boxes: ``(K, 4)`` x1y1x2y2 track boxes.
        det_boxes: ``(N, 4)`` x1y1x2y2 detections.
        track_labels: ``(K,)`` track classes.
        det_labels: ``(N,)`` detection classes.
        min_iou: smallest admissible (weighted) IoU, >= 0.
        det_scores: ``(N,)`` scores weighting the IoU, or None.
        strict: require ``IoU > min_iou`` instead of ``>=``. Defaults to False.

    Returns:
        ``(i, j, iou)``: track and detection indices of the admissible pairs
        and their (weighted) IoU, ``(P,)`` each.
    """
    k, n = len(track_boxes), len(det_boxes)
    if k == 0 or n == 0:
        return _EMPTY, _EMPTY, np.empty(0)
    if k * n <= _DENSE_PAIRS:
        # Small problem: a dense matrix costs fewer numpy calls than the sweep.
        iou = iou_matrix(track_boxes, det_boxes)
        if det_scores is not None:
            iou *= det_scores
        ok = (iou > min_iou) if strict else (iou >= min_iou)
        if min_iou <= 0:
            ok &= iou > 0  # only overlapping pairs, as the sparse route
        ok &= track_labels[:, None] == det_labels
        i, j = ok.nonzero()
        return i, j, iou[i, j]
    i, j, iou = iou_pairs(track_boxes, det_boxes)
    if det_scores is not None:
        iou = iou * det_scores[j]
    ok = (iou > min_iou) if strict else (iou >= min_iou)
    ok &= track_labels[i] == det_labels[j]
    return i[ok], j[ok], iou[ok]


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
    ``min_iou`` (strictly above it when ``strict``) and the classes agree
    (see :func:`admissible_pairs`). The matching has the most pairs, then the
    least total cost (:func:`match_pairs`).

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
    i, j, iou = admissible_pairs(
        track_boxes, det_boxes, track_labels, det_labels, min_iou, det_scores, strict
    )
    return match_pairs(i, j, 1.0 - iou, len(track_boxes), len(det_boxes))


def finish_frame(
    tracker: Any,
    det_to_track: np.ndarray,
    new: np.ndarray,
    bboxes: np.ndarray,
    scores: np.ndarray,
    labels: np.ndarray,
    frame_id: int,
    update_kwargs: Callable[[np.ndarray], dict] | None = None,
    after_update: Callable[[np.ndarray, np.ndarray], None] | None = None,
    init_kwargs: Callable[[np.ndarray], dict] | None = None,
    all_detections: bool = False,
) -> dict[str, np.ndarray]:
    """The common tail of a SORT-family frame: update matched, start new, output.

    1. Update every matched track with its detection (``tracker._update_tracks``
       with ``**update_kwargs(matched)``), then run ``after_update(rows, matched)``
       (e.g. appearance EMA, velocity, ageing of the unmatched tracks).
    2. Start new tracks from the detections ``new``
       (``tracker._init_tracks(..., **init_kwargs(new))``).
    3. Drop invalid tracks (``tracker._pop_invalid(frame_id)``).
    4. Output the matched detections, then the new ones, with their track
       ids; or, with ``all_detections``, every detection in input order
       (SORT/DeepSORT/StrongSORT, where every detection is matched or new).

    Args:
        tracker: the tracker (owning ``tracks``, ``_update_tracks``,
            ``_init_tracks``, ``_pop_invalid`` and ``_output``).
        det_to_track: ``(N,)`` row of the matched track of every detection, -1 if none.
        new: indices of the detections that start tracks.
        bboxes: ``(N, 4)`` x1y1x2y2 detections.
        scores: ``(N,)`` detection scores.
        labels: ``(N,)`` detection classes.
        frame_id: index of the frame.
        update_kwargs: extra keyword arguments of ``_update_tracks`` from the
            matched detection indices. Defaults to None.
        after_update: called with the updated rows and their detection
            indices. Defaults to None.
        init_kwargs: extra keyword arguments of ``_init_tracks`` from the
            new detection indices. Defaults to None.
        all_detections: output every detection in input order. Defaults to False.

    Returns:
        The tracker's output dict (``bboxes``, ``scores``, ``labels``, ``ids``).
    """
    matched = (det_to_track >= 0).nonzero()[0]
    rows = det_to_track[matched]
    extra = update_kwargs(matched) if update_kwargs is not None else {}
    tracker._update_tracks(
        rows, bboxes[matched], scores[matched], labels[matched], frame_id, **extra
    )
    if after_update is not None:
        after_update(rows, matched)
    out_ids = tracker.tracks["ids"][rows] if len(tracker.tracks) else _EMPTY
    extra = init_kwargs(new) if init_kwargs is not None else {}
    new_ids = tracker._init_tracks(bboxes[new], scores[new], labels[new], frame_id, **extra)
    tracker._pop_invalid(frame_id)
    if all_detections:
        ids = np.full(len(bboxes), -1, dtype=np.int64)
        ids[matched] = out_ids
        ids[new] = new_ids
        return tracker._output(bboxes, scores, labels, ids)
    keep = np.concatenate([matched, new])
    return tracker._output(
        bboxes[keep], scores[keep], labels[keep], np.concatenate([out_ids, new_ids])
    )
