"""One-pass evaluation (OPE) of single object tracking, as MMTracking 0.14.

Per video, with ``L`` its number of frames:

* success: for each IoU threshold ``t`` in ``np.arange(0, 1.05, 0.05)`` (21
  values), the fraction ``#{frames: IoU > t} / L``; frames whose gt box is
  empty (``x2 <= x1`` or ``y2 <= y1``) have IoU -1;
* precision: for each pixel threshold ``t`` in ``0..50``, the fraction
  ``#{frames: center distance <= t} / L``; frames whose gt center is not
  strictly positive in both coordinates never count;
* normalized precision: the same with centers divided by the gt (w, h) and
  thresholds ``0..0.5`` step 0.01.

With ``visible_infos``, frames where the target is invisible are dropped
from the numerators but still count in ``L`` (they are failures), as
MMTracking does. The reported values are: success = mean over videos and
thresholds (the area under the success plot), precision = mean over videos at
20 px, normalized precision = mean over videos at 0.2, all x 100.
"""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from .bbox_overlaps import bbox_overlaps

#: IoU thresholds of the success plot.
IOU_THRESHOLDS = np.arange(0, 1.05, 0.05)
#: Pixel thresholds of the precision plot.
PIXEL_THRESHOLDS = np.arange(0, 51, 1)


def success_overlap(
    gt_bboxes: np.ndarray, pred_bboxes: np.ndarray, iou_th: np.ndarray, video_length: int
) -> np.ndarray:
    """Success rate of one video at each IoU threshold.

    Args:
        gt_bboxes (np.ndarray): ``(N, 4)`` gt boxes, x1y1x2y2.
        pred_bboxes (np.ndarray): ``(N, 4)`` predicted boxes, x1y1x2y2.
        iou_th (np.ndarray): ``(T,)`` thresholds.
        video_length (int): Denominator (frames of the whole video).

    Returns:
        np.ndarray: ``(T,)`` fraction of frames with ``IoU > t``.
    """
    iou = -np.ones(len(gt_bboxes))
    valid = (gt_bboxes[:, 2] > gt_bboxes[:, 0]) & (gt_bboxes[:, 3] > gt_bboxes[:, 1])
    if valid.any():
        iou[valid] = np.diag(bbox_overlaps(gt_bboxes[valid], pred_bboxes[valid]))
    return np.array([np.sum(iou > t) / float(video_length) for t in iou_th])


def success_error(
    gt_centers: np.ndarray, pred_centers: np.ndarray, offset_th: np.ndarray, video_length: int
) -> np.ndarray:
    """Precision rate of one video at each center-distance threshold.

    Args:
        gt_centers (np.ndarray): ``(N, 2)`` gt centers (cx, cy).
        pred_centers (np.ndarray): ``(N, 2)`` predicted centers.
        offset_th (np.ndarray): ``(T,)`` distance thresholds.
        video_length (int): Denominator (frames of the whole video).

    Returns:
        np.ndarray: ``(T,)`` fraction of frames with ``distance <= t``.
    """
    dist = -np.ones(len(gt_centers))
    valid = (gt_centers[:, 0] > 0) & (gt_centers[:, 1] > 0)
    dist[valid] = np.sqrt(np.sum((gt_centers[valid] - pred_centers[valid]) ** 2, axis=1))
    return np.array([np.sum(dist <= t) / float(video_length) for t in offset_th])


def eval_sot_ope(
    results: Sequence[np.ndarray],
    annotations: Sequence[np.ndarray],
    visible_infos: Optional[Sequence[np.ndarray]] = None,
) -> dict:
    """OPE success, precision and normalized precision over videos.

    Args:
        results (Sequence[np.ndarray]): Per video, ``(N_i, 4)`` predicted
            boxes x1y1x2y2 (one per frame, frame 0 included).
        annotations (Sequence[np.ndarray]): Per video, ``(N_i, 4)`` gt boxes
            x1y1x2y2.
        visible_infos (Sequence[np.ndarray], optional): Per video, ``(N_i,)``
            bool visibility; invisible frames count as failures.

    Returns:
        dict: ``success``, ``norm_precision``, ``precision`` (percent) and the
        per-video curves ``ori_success`` ``(V, 21)``, ``ori_precision`` and
        ``ori_norm_precision`` ``(V, 51)`` (percent).
    """
    if len(results) != len(annotations):
        raise ValueError(f"{len(results)} result videos but {len(annotations)} annotated videos")
    if len(results) == 0:
        raise ValueError("no video to evaluate")
    if visible_infos is None:
        visible_infos = [np.ones(len(a), dtype=bool) for a in annotations]
    success_res, precision_res, norm_precision_res = [], [], []
    for i, (preds, gts, visible) in enumerate(zip(results, annotations, visible_infos)):
        preds = np.asarray(preds)
        gts = np.asarray(gts)
        visible = np.asarray(visible, dtype=bool)
        if preds.shape != gts.shape or preds.ndim != 2 or preds.shape[1] != 4:
            raise ValueError(
                f"video {i}: predictions {preds.shape} and gt {gts.shape} must both be (N, 4)"
            )
        if visible.shape != (len(gts),):
            raise ValueError(f"video {i}: visibility {visible.shape} must be ({len(gts)},)")
        video_length = len(preds)
        gts, preds = gts[visible], preds[visible]
        success_res.append(success_overlap(gts, preds, IOU_THRESHOLDS, video_length))

        gt_centers = np.array((0.5 * (gts[:, 2] + gts[:, 0]), 0.5 * (gts[:, 3] + gts[:, 1]))).T
        pred_centers = np.array(
            (0.5 * (preds[:, 2] + preds[:, 0]), 0.5 * (preds[:, 3] + preds[:, 1]))
        ).T
        precision_res.append(
            success_error(gt_centers, pred_centers, PIXEL_THRESHOLDS, video_length)
        )
        gt_wh = np.array((gts[:, 2] - gts[:, 0], gts[:, 3] - gts[:, 1])).T
        norm_precision_res.append(
            success_error(
                gt_centers / (gt_wh + 1e-16),
                pred_centers / (gt_wh + 1e-16),
                PIXEL_THRESHOLDS / 100.0,
                video_length,
            )
        )
    success_res = np.stack(success_res)
    precision_res = np.stack(precision_res)
    norm_precision_res = np.stack(norm_precision_res)
    return dict(
        success=float(np.mean(success_res) * 100),
        norm_precision=float(np.mean(norm_precision_res, axis=0)[20] * 100),
        precision=float(np.mean(precision_res, axis=0)[20] * 100),
        ori_success=success_res * 100,
        ori_precision=precision_res * 100,
        ori_norm_precision=norm_precision_res * 100,
    )
