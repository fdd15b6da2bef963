"""GOT-10k average overlap (AO) and success rates (SR), as its toolkit.

The GOT-10k toolkit (``got10k/experiments/got10k.py``, ``report`` on the
val split) computes, per sequence, the IoU of every frame but the first
(the initialisation frame) with ``rect_iou(pred, gt, bound=(W, H))`` (both
boxes clipped to the image first), keeps the frames where the target is
visible (``cover > 0``), concatenates these IoUs over all sequences and
reports ``AO = mean(IoU)`` and ``SR_t = mean(IoU > t)`` for t = 0.5, 0.75:
frames are pooled, not averaged per sequence.
"""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np


def rect_iou(
    rects1: np.ndarray, rects2: np.ndarray, bound: Optional[Sequence[float]] = None
) -> np.ndarray:
    """Row-wise IoU of two sets of boxes, as the GOT-10k toolkit.

    Args:
        rects1 (np.ndarray): ``(N, 4)`` boxes, left/top/width/height.
        rects2 (np.ndarray): ``(N, 4)`` boxes, left/top/width/height.
        bound (Sequence[float], optional): Image ``(width, height)``; boxes
            are clipped to it first (left/top to ``[0, W]``/``[0, H]``, then
            width/height to what is left of the image).

    Returns:
        np.ndarray: ``(N,)`` IoU in ``[0, 1]``.
    """
    rects1 = np.array(rects1, dtype=np.float64).reshape(-1, 4)
    rects2 = np.array(rects2, dtype=np.float64).reshape(-1, 4)
    if rects1.shape != rects2.shape:
        raise ValueError(f"box sets differ in shape: {rects1.shape} vs {rects2.shape}")
    if bound is not None:
        for rects in (rects1, rects2):
            rects[:, 0] = np.clip(rects[:, 0], 0, bound[0])
            rects[:, 1] = np.clip(rects[:, 1], 0, bound[1])
            rects[:, 2] = np.clip(rects[:, 2], 0, bound[0] - rects[:, 0])
            rects[:, 3] = np.clip(rects[:, 3], 0, bound[1] - rects[:, 1])
    x1 = np.maximum(rects1[:, 0], rects2[:, 0])
    y1 = np.maximum(rects1[:, 1], rects2[:, 1])
    x2 = np.minimum(rects1[:, 0] + rects1[:, 2], rects2[:, 0] + rects2[:, 2])
    y2 = np.minimum(rects1[:, 1] + rects1[:, 3], rects2[:, 1] + rects2[:, 3])
    inter = np.maximum(x2 - x1, 0) * np.maximum(y2 - y1, 0)
    union = np.prod(rects1[:, 2:], axis=1) + np.prod(rects2[:, 2:], axis=1) - inter
    return np.clip(inter / (union + np.finfo(float).eps), 0.0, 1.0)


def _xyxy_to_xywh(boxes: np.ndarray) -> np.ndarray:
    out = boxes.copy()
    out[:, 2:] = boxes[:, 2:] - boxes[:, :2]
    return out


def eval_got10k(
    results: Sequence[np.ndarray],
    annotations: Sequence[np.ndarray],
    visible_infos: Optional[Sequence[np.ndarray]] = None,
    videos_wh: Optional[Sequence[Sequence[float]]] = None,
) -> dict:
    """GOT-10k AO, SR@0.5 and SR@0.75 over all videos.

    Args:
        results (Sequence[np.ndarray]): Per video, ``(N_i, 4)`` predicted
            boxes, x1y1x2y2.
        annotations (Sequence[np.ndarray]): Per video, ``(N_i, 4)`` gt boxes,
            x1y1x2y2.
        visible_infos (Sequence[np.ndarray], optional): Per video, ``(N_i,)``
            bool (GOT-10k ``cover > 0``). All visible when None.
        videos_wh (Sequence, optional): Per video, the image ``(W, H)`` used to
            clip boxes; no clipping when None.

    Returns:
        dict: ``AO``, ``SR0.5``, ``SR0.75`` in percent, over the pooled
        frames 1..N_i-1 of every video.
    """
    if len(results) != len(annotations):
        raise ValueError(f"{len(results)} result videos but {len(annotations)} annotated videos")
    if len(results) == 0:
        raise ValueError("no video to evaluate")
    all_ious = []
    for i, (preds, gts) in enumerate(zip(results, annotations)):
        preds = np.asarray(preds, dtype=np.float64)
        gts = np.asarray(gts, dtype=np.float64)
        if preds.shape != gts.shape or preds.ndim != 2 or preds.shape[1] != 4:
            raise ValueError(
                f"video {i}: predictions {preds.shape} and gt {gts.shape} must both be (N, 4)"
            )
        bound = None if videos_wh is None else videos_wh[i]
        ious = rect_iou(_xyxy_to_xywh(preds[1:]), _xyxy_to_xywh(gts[1:]), bound=bound)
        if visible_infos is not None:
            visible = np.asarray(visible_infos[i], dtype=bool)
            if visible.shape != (len(gts),):
                raise ValueError(f"video {i}: visibility {visible.shape} must be ({len(gts)},)")
            ious = ious[visible[1:]]
        all_ious.append(ious)
    ious = np.concatenate(all_ious)
    if len(ious) == 0:
        raise ValueError("no visible frame after the first one: AO is undefined")
    return {
        "AO": float(np.mean(ious) * 100),
        "SR0.5": float(np.mean(ious > 0.5) * 100),
        "SR0.75": float(np.mean(ious > 0.75) * 100),
    }
