"""Non-maximum suppression with the mmcv API: ``nms``, ``soft_nms`` and ``batched_nms``.

Boxes are ``(N, 4)`` x1y1x2y2. With ``offset=0`` (the default, MMDetection 2.x+
convention) a box is ``x2 - x1`` wide; ``offset=1`` is the legacy convention
where it is ``x2 - x1 + 1`` wide (and intersections likewise get ``+1``).

Hard NMS runs on torchvision's kernels (C++ on CPU, CUDA on GPU). Soft-NMS
follows mmcv's CPU kernel step by step (mmcv also runs it on the CPU and moves
the result back to the input's device).
"""

from __future__ import annotations

from typing import Any, Optional, Union

import numpy as np
import torch
from torch import Tensor
from torchvision.ops import nms as _tv_nms

ArrayLike = Union[Tensor, np.ndarray]

_SOFT_NMS_METHODS = {"naive": 0, "linear": 1, "gaussian": 2}


def _as_tensors(boxes: ArrayLike, scores: ArrayLike, fn: str) -> tuple[Tensor, Tensor, bool]:
    """Validate ``boxes (N, 4)`` / ``scores (N,)`` and turn numpy arrays into tensors.

    Returns:
        ``(boxes, scores, is_numpy)`` where ``is_numpy`` says whether ``boxes``
        was a numpy array (the outputs then are numpy arrays, as in mmcv).
    """
    for name, value in (("boxes", boxes), ("scores", scores)):
        if not isinstance(value, (Tensor, np.ndarray)):
            raise TypeError(
                f"{fn}: {name} must be a torch.Tensor or np.ndarray, got {type(value).__name__}"
            )
    is_numpy = isinstance(boxes, np.ndarray)
    boxes_t = torch.from_numpy(np.ascontiguousarray(boxes)) if is_numpy else boxes
    scores_t = (
        torch.from_numpy(np.ascontiguousarray(scores)) if isinstance(scores, np.ndarray) else scores
    )
    if boxes_t.numel() == 0 and boxes_t.dim() != 2:
        boxes_t = boxes_t.reshape(0, 4)
    if boxes_t.dim() != 2 or boxes_t.size(1) != 4:
        raise ValueError(f"{fn}: boxes must have shape (N, 4), got {tuple(boxes_t.shape)}")
    if scores_t.dim() != 1 or scores_t.size(0) != boxes_t.size(0):
        raise ValueError(
            f"{fn}: scores must have shape ({boxes_t.size(0)},) to match boxes, "
            f"got {tuple(scores_t.shape)}"
        )
    if not boxes_t.is_floating_point():
        boxes_t = boxes_t.float()
    return boxes_t, scores_t, is_numpy


def _check_offset(offset: int, fn: str) -> int:
    if offset not in (0, 1):
        raise ValueError(f"{fn}: offset must be 0 or 1, got {offset!r}")
    return int(offset)


def _nms_indices(boxes: Tensor, scores: Tensor, iou_threshold: float, offset: int) -> Tensor:
    """Indices kept by greedy NMS, sorted by decreasing score (torchvision kernels).

    ``offset=1`` is mapped exactly onto torchvision's ``offset=0`` kernel: with
    ``x2' = x2 + 1`` (and ``y2' = y2 + 1``) every width ``x2' - x1`` equals
    ``x2 - x1 + 1`` and every intersection ``min(x2') - max(x1)`` equals
    ``min(x2) - max(x1) + 1``, so the IoUs are the legacy ones. The shift is done
    in float64, where adding 1 to a float32 coordinate is exact.
    """
    if boxes.numel() == 0:
        return torch.empty((0,), dtype=torch.long, device=boxes.device)
    boxes = boxes.detach()
    scores = scores.detach()
    if offset == 1:
        shifted = boxes.to(torch.float64, copy=True)
        shifted[:, 2:] += 1.0
        return _tv_nms(shifted, scores.to(torch.float64), iou_threshold)
    if boxes.dtype not in (torch.float32, torch.float64):
        boxes = boxes.float()
    return _tv_nms(boxes, scores.to(boxes.dtype), iou_threshold)


def nms(
    boxes: ArrayLike,
    scores: ArrayLike,
    iou_threshold: float,
    offset: int = 0,
    score_threshold: float = 0,
    max_num: int = -1,
) -> tuple[ArrayLike, ArrayLike]:
    """Greedy non-maximum suppression (mmcv's ``nms``).

    A box is dropped when its IoU with a higher-scoring kept box is strictly
    greater than ``iou_threshold``.

    Args:
        boxes: ``(N, 4)`` x1y1x2y2 boxes, tensor or numpy array.
        scores: ``(N,)`` scores.
        iou_threshold: IoU above which the lower-scoring box is suppressed.
        offset: 0 (width ``x2 - x1``) or 1 (legacy width ``x2 - x1 + 1``).
            Defaults to 0.
        score_threshold: boxes whose score is not strictly above this are
            removed before NMS (only applied when > 0). Defaults to 0.
        max_num: keep at most this many boxes (all when <= 0). Defaults to -1.

    Returns:
        ``dets (K, 5)`` ``(x1, y1, x2, y2, score)`` sorted by decreasing score and
        ``keep (K,)`` int64 indices into the input. Numpy arrays when ``boxes`` is
        a numpy array, tensors on the input's device otherwise.

    Examples:
        >>> boxes = torch.tensor([[0., 0., 10., 10.], [1., 1., 10., 10.], [20., 20., 30., 30.]])
        >>> dets, keep = nms(boxes, torch.tensor([0.9, 0.8, 0.7]), iou_threshold=0.5)
        >>> keep.tolist()
        [0, 2]
    """
    boxes_t, scores_t, is_numpy = _as_tensors(boxes, scores, "nms")
    offset = _check_offset(offset, "nms")
    valid_inds: Optional[Tensor] = None
    cand_boxes, cand_scores = boxes_t, scores_t
    if score_threshold > 0:
        valid_mask = scores_t > score_threshold
        valid_inds = valid_mask.nonzero(as_tuple=False).squeeze(1)
        cand_boxes, cand_scores = boxes_t[valid_inds], scores_t[valid_inds]
    inds = _nms_indices(cand_boxes, cand_scores, float(iou_threshold), offset)
    if max_num > 0:
        inds = inds[:max_num]
    if valid_inds is not None:
        inds = valid_inds[inds]
    dets = torch.cat((boxes_t[inds], scores_t[inds].reshape(-1, 1).to(boxes_t.dtype)), dim=1)
    if is_numpy:
        return dets.detach().cpu().numpy(), inds.cpu().numpy()
    return dets, inds


def _soft_nms_numpy(
    boxes: np.ndarray,
    scores: np.ndarray,
    iou_threshold: float,
    sigma: float,
    min_score: float,
    method: int,
    offset: int,
) -> tuple[np.ndarray, np.ndarray]:
    """mmcv's ``softnms_cpu`` kernel, one selected box per step, vectorised inside a step.

    The kernel keeps the candidates in arrays; at step ``i`` it swaps the
    highest-scoring candidate (first one on ties) into slot ``i``, decays the
    scores of the slots after ``i``, and removes every candidate whose decayed
    score drops below ``min_score`` by copying the last live candidate into its
    slot. That removal order decides the slot order (and so tie-breaking in
    later steps); it is reproduced here exactly: the survivors already in the
    first ``k`` slots stay, and the holes among them are filled, in order, by
    the survivors beyond slot ``k`` taken from the back.
    """
    n = boxes.shape[0]
    x1, y1, x2, y2 = (boxes[:, j].copy() for j in range(4))
    sc = scores.copy()
    areas = (x2 - x1 + offset) * (y2 - y1 + offset)
    inds = np.arange(n, dtype=np.int64)
    arrays = (x1, y1, x2, y2, sc, areas, inds)
    dets = np.empty((n, 5), dtype=boxes.dtype)
    thr = boxes.dtype.type(iou_threshold)
    sig = boxes.dtype.type(sigma)
    min_sc = boxes.dtype.type(min_score)
    i = 0
    while i < n:
        # 1. pick the max score among the live candidates; the C++ scan
        #    ``max_score < sc[pos]`` starts from slot i, never moves to a NaN and
        #    keeps the first maximum.
        if np.isnan(sc[i]):
            m = i
        else:
            m = i + int(np.argmax(np.where(np.isnan(sc[i:n]), -np.inf, sc[i:n])))
        if m != i:
            for arr in arrays:
                arr[i], arr[m] = arr[m], arr[i]
        dets[i] = (x1[i], y1[i], x2[i], y2[i], sc[i])
        rest = slice(i + 1, n)
        if i + 1 < n:
            # 2. decay the scores of the other candidates by their overlap with box i
            xx1 = np.maximum(x1[i], x1[rest])
            yy1 = np.maximum(y1[i], y1[rest])
            xx2 = np.minimum(x2[i], x2[rest])
            yy2 = np.minimum(y2[i], y2[rest])
            w = np.maximum(0, xx2 - xx1 + offset)
            h = np.maximum(0, yy2 - yy1 + offset)
            inter = w * h
            with np.errstate(divide="ignore", invalid="ignore"):
                ovr = inter / (areas[i] + areas[rest] - inter)
                if method == 0:
                    weight = np.where(ovr >= thr, 0, 1).astype(sc.dtype)
                elif method == 1:
                    weight = np.where(ovr >= thr, 1 - ovr, 1).astype(sc.dtype)
                else:
                    weight = np.exp(-(ovr * ovr) / sig)
            sc[rest] = sc[rest] * weight
            # 3. drop candidates that fell below min_score, in the kernel's slot order
            removed = sc[rest] < min_sc
            if removed.any():
                k = int((~removed).sum())
                perm = np.arange(removed.size)
                holes = np.flatnonzero(removed[:k])
                fillers = np.flatnonzero(~removed[k:])[::-1] + k
                perm[holes] = fillers
                perm = perm[:k] + (i + 1)
                for arr in arrays:
                    arr[i + 1 : i + 1 + k] = arr[perm]
                n = i + 1 + k
        i += 1
    return dets[:n], inds[:n]


def soft_nms(
    boxes: ArrayLike,
    scores: ArrayLike,
    iou_threshold: float = 0.3,
    sigma: float = 0.5,
    min_score: float = 1e-3,
    method: str = "linear",
    offset: int = 0,
) -> tuple[ArrayLike, ArrayLike]:
    """Soft-NMS (Bodla et al., ICCV 2017) with mmcv's semantics.

    Repeatedly selects the highest-scoring remaining box ``M`` and multiplies
    the score of every other remaining box ``b`` by a weight of ``o = IoU(M, b)``:

    * ``'linear'``: ``1 - o`` if ``o >= iou_threshold`` else 1;
    * ``'gaussian'``: ``exp(-o**2 / sigma)`` (no threshold);
    * ``'naive'``: 0 if ``o >= iou_threshold`` else 1 (hard NMS with ``>=``).

    Boxes whose score falls below ``min_score`` are removed.

    Args:
        boxes: ``(N, 4)`` x1y1x2y2 boxes, tensor or numpy array.
        scores: ``(N,)`` scores.
        iou_threshold: IoU threshold of the linear and naive methods.
            Defaults to 0.3.
        sigma: width of the gaussian method. Defaults to 0.5.
        min_score: boxes scored below this after decay are dropped.
            Defaults to 1e-3.
        method: ``'linear'``, ``'gaussian'`` or ``'naive'``. Defaults to ``'linear'``.
        offset: 0 or 1 (legacy ``+1`` widths). Defaults to 0.

    Returns:
        ``dets (K, 5)`` ``(x1, y1, x2, y2, decayed score)`` in selection order
        (non-increasing score) and ``keep (K,)`` int64 indices into the input,
        numpy when ``boxes`` is numpy, else tensors on the input's device.
    """
    boxes_t, scores_t, is_numpy = _as_tensors(boxes, scores, "soft_nms")
    offset = _check_offset(offset, "soft_nms")
    if method not in _SOFT_NMS_METHODS:
        raise ValueError(
            f"soft_nms: method must be one of {sorted(_SOFT_NMS_METHODS)}, got {method!r}"
        )
    device = boxes_t.device
    np_dtype = np.float64 if boxes_t.dtype == torch.float64 else np.float32
    boxes_np = boxes_t.detach().cpu().numpy().astype(np_dtype, copy=False)
    scores_np = scores_t.detach().cpu().numpy().astype(np_dtype, copy=False)
    dets, inds = _soft_nms_numpy(
        boxes_np,
        scores_np,
        float(iou_threshold),
        float(sigma),
        float(min_score),
        _SOFT_NMS_METHODS[method],
        offset,
    )
    if is_numpy:
        return dets, inds
    return (
        torch.from_numpy(dets).to(device=device, dtype=boxes_t.dtype),
        torch.from_numpy(inds).to(device),
    )


def _run_nms_op(nms_type: str, boxes: Tensor, scores: Tensor, cfg: dict) -> tuple[Tensor, Tensor]:
    if nms_type == "nms":
        return nms(boxes, scores, **cfg)  # type: ignore[return-value]
    # mmcv's soft_nms takes no ``max_num``; honour it here by truncating the
    # (score-sorted) result instead of failing.
    cfg = dict(cfg)
    max_num = cfg.pop("max_num", -1)
    dets, keep = soft_nms(boxes, scores, **cfg)
    if max_num > 0:
        dets, keep = dets[:max_num], keep[:max_num]
    return dets, keep  # type: ignore[return-value]


def batched_nms(
    boxes: Tensor,
    scores: Tensor,
    idxs: Tensor,
    nms_cfg: Optional[dict[str, Any]],
    class_agnostic: bool = False,
) -> tuple[Tensor, Tensor]:
    """NMS applied independently to each group of ``idxs`` (mmcv's ``batched_nms``).

    Boxes of different groups are moved apart by ``idxs * (max coordinate + 1)``
    so that one NMS call never lets them suppress each other. With more than
    ``split_thr`` boxes the groups are processed one by one instead, to bound
    memory.

    Args:
        boxes: ``(N, 4)`` x1y1x2y2 boxes.
        scores: ``(N,)`` scores.
        idxs: ``(N,)`` group (class) index of each box.
        nms_cfg: ``dict(type='nms'|'soft_nms', iou_threshold=..., ...)`` plus the
            optional keys ``split_thr`` (default 10000), ``class_agnostic`` and
            ``max_num``; the remaining keys go to :func:`nms` / :func:`soft_nms`
            (``iou_thr`` is accepted as an old name of ``iou_threshold``).
            ``None`` means no suppression: the boxes are only sorted by score.
        class_agnostic: suppress across groups too (overridden by
            ``nms_cfg['class_agnostic']``). Defaults to False.

    Returns:
        ``dets (K, 5)`` ``(x1, y1, x2, y2, score)`` sorted by decreasing score
        (scores decayed when soft-NMS is used) and ``keep (K,)`` int64 indices
        into the input.
    """
    for name, value in (("boxes", boxes), ("scores", scores), ("idxs", idxs)):
        if not isinstance(value, Tensor):
            raise TypeError(
                f"batched_nms: {name} must be a torch.Tensor, got {type(value).__name__}"
            )
    if nms_cfg is None:
        sorted_scores, inds = scores.sort(descending=True)
        return torch.cat([boxes[inds], sorted_scores[:, None].to(boxes.dtype)], -1), inds

    cfg = dict(nms_cfg)
    class_agnostic = cfg.pop("class_agnostic", class_agnostic)
    if "iou_thr" in cfg:
        iou_thr = cfg.pop("iou_thr")
        cfg.setdefault("iou_threshold", iou_thr)
    nms_type = cfg.pop("type", "nms")
    if nms_type not in ("nms", "soft_nms"):
        raise ValueError(
            f"batched_nms: nms_cfg['type'] must be 'nms' or 'soft_nms', got {nms_type!r}"
        )
    split_thr = cfg.pop("split_thr", 10000)
    if boxes.numel() == 0:
        return boxes.new_zeros((0, 5)), torch.zeros((0,), dtype=torch.long, device=boxes.device)

    if class_agnostic:
        boxes_for_nms = boxes
    else:
        max_coordinate = boxes.max()
        offsets = idxs.to(boxes) * (max_coordinate + torch.tensor(1).to(boxes))
        boxes_for_nms = boxes + offsets[:, None]

    if boxes_for_nms.shape[0] < split_thr:
        dets, keep = _run_nms_op(nms_type, boxes_for_nms, scores, cfg)
        boxes = boxes[keep]
        # soft-NMS changes the scores, so take them from dets
        scores = dets[:, -1]
    else:
        max_num = cfg.pop("max_num", -1)
        total_mask = scores.new_zeros(scores.size(), dtype=torch.bool)
        scores_after_nms = scores.new_zeros(scores.size())
        for group_id in torch.unique(idxs):
            mask = (idxs == group_id).nonzero(as_tuple=False).view(-1)
            dets, keep = _run_nms_op(nms_type, boxes_for_nms[mask], scores[mask], cfg)
            total_mask[mask[keep]] = True
            scores_after_nms[mask[keep]] = dets[:, -1].to(scores_after_nms.dtype)
        keep = total_mask.nonzero(as_tuple=False).view(-1)
        scores, inds = scores_after_nms[keep].sort(descending=True)
        keep = keep[inds]
        boxes = boxes[keep]
        if max_num > 0:
            keep = keep[:max_num]
            boxes = boxes[:max_num]
            scores = scores[:max_num]
    return torch.cat([boxes, scores[:, None].to(boxes.dtype)], -1), keep
