"""MaskTrack R-CNN's tracker (Yang et al., ICCV 2019, "Video Instance Segmentation")."""

from __future__ import annotations

from typing import Any, Optional

import numpy as np
import torch
from mmengine.structures import InstanceData

from mmtrack.models.task_modules.track import iou_matrix
from mmtrack.registry import MODELS

from .base_tracker import BaseTracker

_WEIGHT_KEYS = ("det_score", "iou", "det_label")


def _log_softmax(x: np.ndarray) -> np.ndarray:
    m = x.max(axis=1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=1, keepdims=True))


def match_scores(
    logits: np.ndarray,
    det_scores: np.ndarray,
    ious: np.ndarray,
    same_label: np.ndarray,
    match_weights: dict,
) -> np.ndarray:
    """MaskTrack R-CNN's match score of detections against "new" and the tracks.

    ``score[i, 0]`` (new object) is ``log p_i0 + w_s log s_i + w_l``;
    ``score[i, 1 + j]`` is ``log p_ij + w_s log s_i + w_iou IoU_ij + w_l [c_i == c_j]``,
    where ``p_i = softmax(logits_i)`` over the ``1 + M`` columns.

    Args:
        logits: ``(N, M + 1)`` appearance logits (column 0: new object).
        det_scores: ``(N,)`` detection scores in (0, 1].
        ious: ``(N, M)`` IoU of detections and the tracks' last boxes.
        same_label: ``(N, M)`` 1 where the detection's class is the track's.
        match_weights: ``det_score``, ``iou`` and ``det_label`` weights.

    Returns:
        ``(N, M + 1)`` scores.
    """
    n = len(logits)
    ious = np.concatenate([np.zeros((n, 1)), np.asarray(ious, dtype=np.float64)], axis=1)
    same = np.concatenate([np.ones((n, 1)), np.asarray(same_label, dtype=np.float64)], axis=1)
    with np.errstate(divide="ignore"):
        log_s = np.log(np.asarray(det_scores, dtype=np.float64)).reshape(-1, 1)
    return (
        _log_softmax(np.asarray(logits, dtype=np.float64))
        + match_weights["det_score"] * log_s
        + match_weights["iou"] * ious
        + match_weights["det_label"] * same
    )


def assign_ids(scores: np.ndarray) -> np.ndarray:
    """Which column each detection takes: ``0`` new, ``1 + j`` track ``j``, ``-1`` dropped.

    Each detection takes its best column. A track wanted by several
    detections goes to the one with the highest score; the others are
    dropped (MMTracking keeps the better one too, but in detection order a
    later better one leaves the earlier with the same id).

    Args:
        scores: ``(N, M + 1)`` match scores.

    Returns:
        ``(N,)`` int64 column per detection.
    """
    if scores.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    best = scores.argmax(axis=1)
    out = best.copy()
    best_val = scores[np.arange(len(scores)), best]
    taken: set[int] = set()
    for i in np.argsort(-best_val, kind="stable"):
        if best[i] == 0:
            continue
        if int(best[i]) in taken:
            out[i] = -1
        else:
            taken.add(int(best[i]))
    return out.astype(np.int64)


@MODELS.register_module()
class MaskTrackRCNNTracker(BaseTracker):
    """Appearance + score + IoU + label matching of MaskTrack R-CNN.

    Steps per frame: (1) appearance logits of the detections' embeddings
    against each live track's last embedding (dot products, a zero "new"
    column first); (2) match score (:func:`match_scores`): log-softmax of
    the logits plus ``det_score * log(score)``, ``iou * IoU`` with the
    track's last box and ``det_label * [same class]`` (the "new" column has
    IoU 0 and counts as the same class); (3) each detection takes its best
    column, a track going to its best detection (:func:`assign_ids`), others
    dropped; (4) detections that chose "new" start tracks; (5) matched tracks
    take the detection's box, class, score and embedding; tracks unseen for
    ``num_frames_retain`` frames are removed.

    Args:
        match_weights: ``dict(det_score=..., iou=..., det_label=...)``.
            Defaults to ``dict(det_score=1.0, iou=2.0, det_label=10.0)``.
        num_frames_retain: frames a lost track is kept. Defaults to 20.
    """

    def __init__(
        self, match_weights: Optional[dict] = None, num_frames_retain: int = 20, **kwargs: Any
    ) -> None:
        super().__init__(None, num_frames_retain)
        weights = dict(det_score=1.0, iou=2.0, det_label=10.0)
        if match_weights is not None:
            unknown = set(match_weights) - set(_WEIGHT_KEYS)
            if unknown:
                raise ValueError(
                    f"MaskTrackRCNNTracker: unknown match_weights keys {sorted(unknown)}; "
                    f"expected {list(_WEIGHT_KEYS)}"
                )
            weights.update(match_weights)
        self.match_weights = {k: float(v) for k, v in weights.items()}

    def update(
        self,
        bboxes: np.ndarray,
        scores: np.ndarray,
        labels: np.ndarray,
        frame_id: int,
        embeds: Optional[np.ndarray] = None,
        **kwargs: Any,
    ) -> dict[str, np.ndarray]:
        """Associate one frame's detections; see the class docstring.

        Args:
            bboxes: ``(N, 4)`` detections, x1y1x2y2 pixels.
            scores: ``(N,)`` scores.
            labels: ``(N,)`` classes.
            frame_id: frame index in the video.
            embeds: ``(N, D)`` appearance embeddings (required).

        Returns:
            ``bboxes``, ``scores``, ``labels``, ``ids`` of the kept detections
            and ``inds`` ``(K,)``, their indices among the inputs.
        """
        if embeds is None:
            raise ValueError("MaskTrackRCNNTracker.update needs embeds (N, D)")
        n = len(bboxes)
        embeds = np.asarray(embeds, dtype=np.float64)
        if n == 0:
            dim = self.tracks["embeds"].shape[1] if not self.empty else 0
            embeds = embeds.reshape(0, embeds.shape[-1] if embeds.ndim == 2 else dim)
        elif embeds.shape[0] != n:
            raise ValueError(
                f"MaskTrackRCNNTracker.update: {n} detections but embeds of shape {embeds.shape}"
            )
        else:
            embeds = embeds.reshape(n, -1)
        if self.empty or n == 0:
            cols = np.zeros(n, dtype=np.int64)
        else:
            mem = self.tracks["embeds"]
            logits = np.concatenate([np.zeros((n, 1)), embeds @ mem.T], axis=1)
            ious = iou_matrix(bboxes, self.tracks["bboxes"])
            same = labels.reshape(-1, 1) == self.tracks["labels"].reshape(1, -1)
            cols = assign_ids(match_scores(logits, scores, ious, same, self.match_weights))
        ids = np.full(n, -1, dtype=np.int64)
        new = np.flatnonzero(cols == 0)
        ids[new] = self._new_ids(len(new))
        matched = np.flatnonzero(cols > 0)
        if len(matched):
            rows = cols[matched] - 1
            ids[matched] = self.tracks["ids"][rows]
            for name, value in (
                ("bboxes", bboxes), ("scores", scores), ("labels", labels), ("embeds", embeds)
            ):
                col = self.tracks[name].copy()
                col[rows] = value[matched]
                self.tracks[name] = col
            last = self.tracks["frame_ids"].copy()
            last[rows] = frame_id
            self.tracks["frame_ids"] = last
        if len(new):
            self.tracks.add(
                ids=ids[new],
                bboxes=bboxes[new],
                scores=scores[new],
                labels=labels[new],
                embeds=embeds[new],
                frame_ids=np.full(len(new), frame_id, dtype=np.int64),
            )
        if not self.empty:
            self.tracks.keep(frame_id - self.tracks["frame_ids"] < self.num_frames_retain)
        inds = np.flatnonzero(ids >= 0)
        out = self._output(bboxes[inds], scores[inds], labels[inds], ids[inds])
        out["inds"] = inds
        return out

    def track(self, data_sample: Any, rescale: bool = True, **kwargs: Any) -> InstanceData:
        """Track a frame's ``pred_det_instances``, keeping the ``masks`` of kept detections.

        Args:
            data_sample: the frame's :class:`DetDataSample`; ``frame_id == 0``
                resets the tracker.
            rescale: unused. Defaults to True.
            **kwargs: ``embeds`` ``(N, D)``.

        Returns:
            :class:`InstanceData` with ``bboxes``, ``scores``, ``labels``,
            ``instances_id`` and, when the detections have them, ``masks``.
        """
        dets = data_sample.pred_det_instances
        frame_id = int(data_sample.metainfo.get("frame_id", -1))
        if frame_id < 0:
            raise ValueError("tracker.track: the data sample's metainfo has no 'frame_id'")
        if frame_id == 0:
            self.reset()
        device = dets.bboxes.device

        def to_np(x: Any) -> np.ndarray:
            x = x.detach().cpu() if isinstance(x, torch.Tensor) else torch.as_tensor(x)
            return x.float().numpy()

        out = self.update(
            to_np(dets.bboxes).reshape(-1, 4).astype(np.float64),
            to_np(dets.scores).reshape(-1).astype(np.float64),
            to_np(dets.labels).reshape(-1).astype(np.int64),
            frame_id,
            **kwargs,
        )
        result = InstanceData()
        result.bboxes = torch.as_tensor(out["bboxes"], dtype=torch.float32, device=device)
        result.scores = torch.as_tensor(out["scores"], dtype=torch.float32, device=device)
        result.labels = torch.as_tensor(out["labels"], dtype=torch.long, device=device)
        result.instances_id = torch.as_tensor(out["ids"], dtype=torch.long, device=device)
        if "masks" in dets:
            keep = torch.as_tensor(out["inds"], dtype=torch.long, device=dets.masks.device)
            result.masks = dets.masks[keep]
        return result
