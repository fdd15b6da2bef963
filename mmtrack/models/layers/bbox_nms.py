"""Per-class NMS post-processing of box-head outputs (MMDetection's ``multiclass_nms``)."""

from __future__ import annotations

from typing import Optional, Union

import torch
from torch import Tensor

from mmtrack.ops.nms import batched_nms


def multiclass_nms(
    multi_bboxes: Tensor,
    multi_scores: Tensor,
    score_thr: float,
    nms_cfg: Optional[dict],
    max_num: int = -1,
    score_factors: Optional[Tensor] = None,
    return_inds: bool = False,
) -> Union[tuple[Tensor, Tensor], tuple[Tensor, Tensor, Tensor]]:
    """Score threshold, then NMS per class, then keep the ``max_num`` best.

    Args:
        multi_bboxes: ``(N, 4)`` class-agnostic or ``(N, K*4)`` per-class
            x1y1x2y2 boxes.
        multi_scores: ``(N, K+1)`` scores; the last column (background) is ignored.
        score_thr: candidates need a score strictly above this.
        nms_cfg: ``dict(type='nms', iou_threshold=...)`` for
            :func:`mmtrack.ops.batched_nms`; None skips NMS.
        max_num: keep at most this many (all when <= 0). Defaults to -1.
        score_factors: ``(N,)`` factors multiplied into the scores after
            thresholding. Defaults to None.
        return_inds: also return the index of each kept candidate in the
            flattened ``(N * K)`` candidate list. Defaults to False.

    Returns:
        ``dets (k, 5)`` (x1, y1, x2, y2, score) sorted by score, ``labels (k,)``
        and, with ``return_inds``, ``inds (k,)``.
    """
    num_classes = multi_scores.size(1) - 1
    num_boxes = multi_scores.size(0)
    if multi_bboxes.shape[1] > 4:
        bboxes = multi_bboxes.view(num_boxes, -1, 4)
    else:
        bboxes = multi_bboxes[:, None].expand(num_boxes, num_classes, 4)
    scores = multi_scores[:, :-1]
    labels = torch.arange(num_classes, dtype=torch.long, device=scores.device)
    labels = labels.view(1, -1).expand_as(scores)
    bboxes = bboxes.reshape(-1, 4)
    scores = scores.reshape(-1)
    labels = labels.reshape(-1)

    valid_mask = scores > score_thr
    if score_factors is not None:
        factors = score_factors.view(-1, 1).expand(num_boxes, num_classes).reshape(-1)
        scores = scores * factors
    inds = valid_mask.nonzero(as_tuple=False).squeeze(1)
    bboxes, scores, labels = bboxes[inds], scores[inds], labels[inds]

    if bboxes.numel() == 0:
        dets = torch.cat([bboxes, scores[:, None]], -1)
        return (dets, labels, inds) if return_inds else (dets, labels)

    dets, keep = batched_nms(bboxes, scores, labels, nms_cfg)
    if max_num > 0:
        dets, keep = dets[:max_num], keep[:max_num]
    if return_inds:
        return dets, labels[keep], inds[keep]
    return dets, labels[keep]
