"""Tracktor's tracker (Bergmann et al., ICCV 2019, "Tracking without bells and whistles")."""

from __future__ import annotations

from typing import Any, Callable, Optional

import numpy as np
import torch
from scipy.optimize import linear_sum_assignment

from mmtrack.models.task_modules.track import iou_matrix
from mmtrack.ops import batched_nms
from mmtrack.registry import MODELS

from .base_tracker import BaseTracker

# Distance of inadmissible pairs in the ReID assignment (MMTracking's value).
_INF_DIST = 1e6

RegressFn = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]
EmbedFn = Callable[[np.ndarray], np.ndarray]


@MODELS.register_module()
class TracktorTracker(BaseTracker):
    """Track by regressing the previous boxes with the detector's box head.

    Steps per frame:

    1. keep detections with score above ``obj_score_thr``;
    2. (motion) with camera-motion compensation, warp the stored boxes of
       every track from the previous frame to this one; with a linear
       motion model, move every track that has a velocity by it (the
       velocity is re-estimated for tracks seen in the previous frame from
       their consecutive boxes);
    3. (regression) the tracks seen in the previous frame are regressed by
       the detector's RoI head from their (moved) boxes; regressed boxes
       are suppressed by NMS (``regression.nms``) and killed when their
       score is not above ``regression.obj_score_thr``;
    4. detections overlapping a regressed track (IoU at or above
       ``regression.match_iou_thr``) are dropped;
    5. (re-identification) the remaining detections are matched to the
       tracks not regressed in this frame (inactive ones, kept for
       ``num_frames_retain`` frames) by the Euclidean distance between the
       detection embedding and the mean of the track's last
       ``reid.num_samples`` embeddings, Hungarian assignment, admissible
       when the distance is at most ``reid.match_score_thr`` and the IoU
       with the track's box at least ``reid.match_iou_thr``;
    6. unmatched detections start new tracks.

    The detector's regression and the ReID embeddings are given to
    :meth:`update` as functions (``regress``, ``embed``) by the
    :class:`~mmtrack.models.mot.Tracktor` model.

    Args:
        obj_score_thr: detection score threshold. Defaults to 0.5.
        regression: ``obj_score_thr`` (0.5), ``nms`` (``dict(type='nms',
            iou_threshold=0.6)``) and ``match_iou_thr`` (0.3) of the regression.
        reid: ``num_samples`` (10), ``img_scale`` ((256, 128)),
            ``img_norm_cfg`` (None), ``match_score_thr`` (2.0) and
            ``match_iou_thr`` (0.2) of the re-identification, or None to
            disable it.
        num_history: boxes kept per track for the velocity. Defaults to 10.
        momentums: unused, kept for MMTracking config compatibility. Defaults to None.
        num_frames_retain: frames an inactive track is kept. Defaults to 10.
    """

    def __init__(
        self,
        obj_score_thr: float = 0.5,
        regression: Optional[dict] = None,
        reid: Optional[dict] = dict(  # noqa: B006
            num_samples=10,
            img_scale=(256, 128),
            img_norm_cfg=None,
            match_score_thr=2.0,
            match_iou_thr=0.2,
        ),
        num_history: int = 10,
        momentums: Optional[dict] = None,
        num_frames_retain: int = 10,
    ) -> None:
        super().__init__(None, num_frames_retain)
        self.obj_score_thr = obj_score_thr
        self.regression = {
            **dict(obj_score_thr=0.5, nms=dict(type="nms", iou_threshold=0.6), match_iou_thr=0.3),
            **(regression or {}),
        }
        self.reid = None
        if reid is not None:
            self.reid = {
                **dict(
                    num_samples=10,
                    img_scale=(256, 128),
                    img_norm_cfg=None,
                    match_score_thr=2.0,
                    match_iou_thr=0.2,
                ),
                **reid,
            }
        if num_history < 2:
            raise ValueError(f"TracktorTracker: num_history must be >= 2, got {num_history}")
        self.num_history = num_history
        self.momentums = momentums
        self._prev_img: Optional[np.ndarray] = None

    @property
    def with_reid(self) -> bool:
        """Whether re-identification is on."""
        return self.reid is not None

    def reset(self) -> None:
        super().reset()
        self._prev_img = None

    # -- bookkeeping ------------------------------------------------------------------------
    def _add_tracks(
        self,
        bboxes: np.ndarray,
        scores: np.ndarray,
        labels: np.ndarray,
        frame_id: int,
        embeds: Optional[np.ndarray],
    ) -> np.ndarray:
        n = len(bboxes)
        ids = self._new_ids(n)
        hist = np.full((n, self.num_history, 4), np.nan)
        hist[:, -1] = bboxes
        frames = np.full((n, self.num_history), -(10**9), dtype=np.int64)
        frames[:, -1] = frame_id
        fields = dict(
            ids=ids,
            bboxes=bboxes.copy(),
            scores=scores,
            labels=labels,
            last_frame=np.full(n, frame_id, dtype=np.int64),
            bbox_hist=hist,
            frame_hist=frames,
            velocity=np.zeros((n, 4)),
            has_velocity=np.zeros(n, dtype=bool),
        )
        if self.with_reid:
            k = int(self.reid["num_samples"])
            c = embeds.shape[1] if embeds is not None and embeds.ndim == 2 else 0
            emb = np.zeros((n, k, c))
            if n and c:
                emb[:, -1] = embeds
            fields.update(embed_hist=emb, embed_count=np.ones(n, dtype=np.int64))
        if n:
            self.tracks.add(**fields)
        return ids

    def _update_rows(
        self,
        rows: np.ndarray,
        bboxes: np.ndarray,
        scores: np.ndarray,
        labels: np.ndarray,
        frame_id: int,
        embeds: Optional[np.ndarray],
    ) -> None:
        if len(rows) == 0:
            return
        t = self.tracks
        t["bboxes"][rows] = bboxes
        t["scores"][rows] = scores
        t["labels"][rows] = labels
        t["last_frame"][rows] = frame_id
        hist, frames = t["bbox_hist"], t["frame_hist"]
        hist[rows] = np.roll(hist[rows], -1, axis=1)
        hist[rows, -1] = bboxes
        frames[rows] = np.roll(frames[rows], -1, axis=1)
        frames[rows, -1] = frame_id
        if self.with_reid and embeds is not None:
            emb = t["embed_hist"]
            emb[rows] = np.roll(emb[rows], -1, axis=1)
            emb[rows, -1] = embeds
            t["embed_count"][rows] += 1

    def _track_embeds(self, rows: np.ndarray) -> np.ndarray:
        """Mean of each track's last ``num_samples`` embeddings, ``(len(rows), C)``."""
        emb = self.tracks["embed_hist"][rows]
        count = np.minimum(self.tracks["embed_count"][rows], emb.shape[1])
        return emb.sum(axis=1) / count[:, None]

    def _consecutive_counts(self, rows: np.ndarray, frame_id: int) -> np.ndarray:
        """Number of boxes of consecutive frames ending at ``frame_id - 1``."""
        frames = self.tracks["frame_hist"][rows]  # (K, L), newest last
        expected = frame_id - 1 - (frames.shape[1] - 1 - np.arange(frames.shape[1]))[None]
        ok = frames == expected
        # length of the run of consecutive frames at the newest end
        rev = ok[:, ::-1]
        return np.where(rev.all(axis=1), rev.shape[1], np.argmin(rev, axis=1))

    # -- the steps ----------------------------------------------------------------------------
    def _apply_motion(
        self,
        frame_id: int,
        img: Optional[np.ndarray],
        cmc: Any,
        linear_motion: Any,
    ) -> None:
        t = self.tracks
        if cmc is not None and img is not None and self._prev_img is not None:
            warp = cmc.get_warp_matrix(img, self._prev_img)
            hist = t["bbox_hist"]
            flat = hist.reshape(-1, 4)
            valid = ~np.isnan(flat[:, 0])
            flat[valid] = cmc.warp_bboxes(flat[valid], warp)
            t["bbox_hist"] = flat.reshape(hist.shape)
            t["bboxes"] = cmc.warp_bboxes(t["bboxes"], warp)
        if linear_motion is not None:
            active = np.flatnonzero(t["last_frame"] == frame_id - 1)
            if len(active):
                counts = self._consecutive_counts(active, frame_id)
                vel = linear_motion.velocities(t["bbox_hist"][active], counts)
                if vel.shape[1] == 2:
                    vel = np.concatenate([vel, vel], axis=1)
                t["velocity"][active] = vel
                t["has_velocity"][active] = True
            moving = np.flatnonzero(t["has_velocity"])
            t["bboxes"][moving] = t["bboxes"][moving] + t["velocity"][moving]

    def _regress(
        self, frame_id: int, regress: Optional[RegressFn]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Rows, boxes, scores and labels of the tracks that survive the regression."""
        t = self.tracks
        rows = np.flatnonzero(t["last_frame"] == frame_id - 1)
        empty = (np.zeros(0, np.int64), np.zeros((0, 4)), np.zeros(0), np.zeros(0, np.int64))
        if len(rows) == 0:
            return empty
        if regress is None:
            raise ValueError("TracktorTracker.update needs `regress` when tracks are active")
        boxes, scores = regress(t["bboxes"][rows].copy(), t["labels"][rows].copy())
        boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
        scores = np.asarray(scores, dtype=np.float64).reshape(-1)
        labels = t["labels"][rows]
        nms_cfg = dict(self.regression["nms"])
        _, keep = batched_nms(
            torch.from_numpy(boxes).float(),
            torch.from_numpy(scores).float(),
            torch.from_numpy(labels),
            nms_cfg,
        )
        keep = keep.numpy()
        keep = keep[scores[keep] > self.regression["obj_score_thr"]]
        return rows[keep], boxes[keep], scores[keep], labels[keep]

    def _reidentify(
        self,
        cand_rows: np.ndarray,
        det_bboxes: np.ndarray,
        det_embeds: np.ndarray,
    ) -> np.ndarray:
        """Row of the inactive track each detection re-identifies (-1 for none)."""
        out = np.full(len(det_bboxes), -1, dtype=np.int64)
        if len(cand_rows) == 0 or len(det_bboxes) == 0:
            return out
        track_embeds = self._track_embeds(cand_rows)
        diff = track_embeds[:, None, :] - det_embeds[None, :, :]
        dist = np.sqrt(np.sum(diff * diff, axis=-1))
        ious = iou_matrix(self.tracks["bboxes"][cand_rows], det_bboxes)
        dist[ious < self.reid["match_iou_thr"]] = _INF_DIST
        r, c = linear_sum_assignment(dist)
        ok = dist[r, c] <= self.reid["match_score_thr"]
        out[c[ok]] = cand_rows[r[ok]]
        return out

    def update(
        self,
        bboxes: np.ndarray,
        scores: np.ndarray,
        labels: np.ndarray,
        frame_id: int,
        regress: Optional[RegressFn] = None,
        embed: Optional[EmbedFn] = None,
        img: Optional[np.ndarray] = None,
        cmc: Any = None,
        linear_motion: Any = None,
        **kwargs: Any,
    ) -> dict[str, np.ndarray]:
        """Run one frame of Tracktor (see the class docstring).

        Args:
            bboxes, scores, labels, frame_id: see :meth:`BaseTracker.update`.
            regress: ``regress(boxes (K, 4), labels (K,)) -> (boxes (K, 4),
                scores (K,))``, the detector's regression of track boxes
                (original-image pixels) for their class; needed once tracks exist.
            embed: ``embed(boxes (K, 4)) -> (K, C)`` ReID embeddings of box
                crops; needed when ``reid`` is set.
            img: the frame (BGR uint8, original size), needed by ``cmc``.
            cmc: a :class:`CameraMotionCompensation`, or None.
            linear_motion: a :class:`LinearMotion`, or None.
        """
        if self.with_reid and embed is None:
            raise ValueError("TracktorTracker with reid needs `embed` (a function of boxes)")

        def embeds_of(boxes: np.ndarray) -> Optional[np.ndarray]:
            if not self.with_reid:
                return None
            if len(boxes) == 0:
                return None
            return np.asarray(embed(boxes), dtype=np.float64).reshape(len(boxes), -1)

        # 1. Confident detections only.
        keep = scores > self.obj_score_thr
        bboxes, scores, labels = bboxes[keep], scores[keep], labels[keep]
        if self.empty:
            ids = self._add_tracks(bboxes, scores, labels, frame_id, embeds_of(bboxes))
            self._prev_img = img
            return self._output(bboxes, scores, labels, ids)

        # 2. Camera motion compensation and linear motion.
        self._apply_motion(frame_id, img, cmc, linear_motion)
        # 3. Regression of the tracks of the previous frame.
        prop_rows, prop_boxes, prop_scores, prop_labels = self._regress(frame_id, regress)
        # 4. Drop detections covered by a regressed track.
        if len(prop_boxes) and len(bboxes):
            ious = iou_matrix(bboxes, prop_boxes)
            keep = (ious < self.regression["match_iou_thr"]).all(axis=1)
            bboxes, scores, labels = bboxes[keep], scores[keep], labels[keep]
        prop_embeds = embeds_of(prop_boxes)
        det_embeds = embeds_of(bboxes)
        # 5. Re-identification of inactive tracks.
        det_rows = np.full(len(bboxes), -1, dtype=np.int64)
        if self.with_reid and det_embeds is not None:
            inactive = np.setdiff1d(np.arange(len(self.tracks)), prop_rows)
            det_rows = self._reidentify(inactive, bboxes, det_embeds)
        # 6. Update the regressed and re-identified tracks, start new ones.
        self._update_rows(prop_rows, prop_boxes, prop_scores, prop_labels, frame_id, prop_embeds)
        matched = np.flatnonzero(det_rows >= 0)
        self._update_rows(
            det_rows[matched],
            bboxes[matched],
            scores[matched],
            labels[matched],
            frame_id,
            None if det_embeds is None else det_embeds[matched],
        )
        ids = np.full(len(bboxes), -1, dtype=np.int64)
        ids[matched] = self.tracks["ids"][det_rows[matched]]
        new = np.flatnonzero(det_rows < 0)
        ids[new] = self._add_tracks(
            bboxes[new],
            scores[new],
            labels[new],
            frame_id,
            None if det_embeds is None else det_embeds[new],
        )
        prop_ids = self.tracks["ids"][prop_rows] if len(prop_rows) else np.zeros(0, np.int64)
        # 7. Forget tracks inactive for num_frames_retain frames.
        self.tracks.keep(frame_id - self.tracks["last_frame"] < self.num_frames_retain)
        self._prev_img = img
        return self._output(
            np.concatenate([prop_boxes, bboxes]),
            np.concatenate([prop_scores, scores]),
            np.concatenate([prop_labels, labels]),
            np.concatenate([prop_ids, ids]),
        )
