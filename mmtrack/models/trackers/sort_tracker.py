"""SORT (Bewley et al., ICIP 2016) and DeepSORT (Wojke et al., ICIP 2017) tracker."""

from __future__ import annotations

from typing import Any

import numpy as np

from mmtrack.models.task_modules.track import cosine_distance, linear_assignment
from mmtrack.registry import MODELS

from .base_tracker import BaseTracker
from .sort_family import finish_frame, iou_match, kf_boxes, kf_measurements


@MODELS.register_module()
class SORTTracker(BaseTracker):
    """Kalman prediction + Hungarian matching; with ReID, DeepSORT's appearance step.

    Without ``reid`` this is SORT: detections above ``obj_score_thr`` are
    matched to the Kalman-predicted boxes of the tracks that were matched in
    the previous frame, by IoU. With ``reid`` (DeepSORT), confirmed tracks are
    first matched by appearance (distance between the detection's embedding
    and the mean of the track's last ``num_samples`` embeddings), gated by the
    Kalman filter's Mahalanobis distance; the rest then go through the IoU step.

    Args:
        motion: motion model config. Defaults to ``dict(type='KalmanFilter')``.
        obj_score_thr: detections at or below this score are dropped. Defaults to 0.3.
        reid: ``dict(num_samples=10, match_score_thr=2.0, metric='euclidean')``
            to enable the appearance step (``metric`` 'euclidean' as MMTracking,
            or 'cosine' as the DeepSORT paper), or None. Defaults to None.
        match_iou_thr: minimum IoU of an IoU match. Defaults to 0.7.
        num_tentatives: matched frames after which a track is confirmed. Defaults to 3.
        num_frames_retain: frames a lost track is kept. Defaults to 30.
    """

    def __init__(
        self,
        motion: dict | None = None,
        obj_score_thr: float = 0.3,
        reid: dict | None = None,
        match_iou_thr: float = 0.7,
        num_tentatives: int = 3,
        num_frames_retain: int = 30,
    ) -> None:
        super().__init__(motion or dict(type="KalmanFilter"), num_frames_retain)
        self.obj_score_thr = obj_score_thr
        self.reid = None
        if reid is not None:
            self.reid = {**dict(num_samples=10, match_score_thr=2.0, metric="euclidean"), **reid}
            if self.reid["metric"] not in ("euclidean", "cosine"):
                raise ValueError(
                    f"SORTTracker: reid.metric must be 'euclidean' or 'cosine', "
                    f"got {self.reid['metric']!r}"
                )
        self.match_iou_thr = match_iou_thr
        self.num_tentatives = num_tentatives
        self._box_format = getattr(self.motion, "box_format", "xyah")

    @property
    def with_reid(self) -> bool:
        return self.reid is not None

    def _init_tracks(
        self,
        bboxes: np.ndarray,
        scores: np.ndarray,
        labels: np.ndarray,
        frame_id: int,
        embeds: np.ndarray | None,
    ) -> np.ndarray:
        n = len(bboxes)
        if n == 0:
            return np.empty(0, dtype=np.int64)
        ids = self._new_ids(n)
        mean, cov = self.kf.initiate(
            kf_measurements(bboxes, self._box_format), compact=self._compact_cov
        )
        fields = dict(
            ids=ids,
            bboxes=bboxes,
            scores=scores,
            labels=labels,
            mean=mean,
            cov=cov,
            hits=np.ones(n, dtype=np.int64),
            last_frame=np.full(n, frame_id, dtype=np.int64),
            tentative=np.full(n, self.num_tentatives > 1, dtype=bool),
        )
        if self.with_reid:
            k = self.reid["num_samples"]
            c = embeds.shape[1] if embeds is not None and embeds.ndim == 2 else 0
            hist = np.zeros((n, k, c))
            if n:
                hist[:, 0] = embeds
            fields.update(embed_hist=hist, embed_count=np.ones(n, dtype=np.int64))
        self.tracks.add(**fields)
        return ids

    def _track_embeds(self, rows: np.ndarray) -> np.ndarray:
        """Mean of each track's stored embeddings, ``(len(rows), C)``."""
        hist = self.tracks["embed_hist"][rows]
        count = np.minimum(self.tracks["embed_count"][rows], hist.shape[1])
        return hist.sum(axis=1) / count[:, None]

    def update(
        self,
        bboxes: np.ndarray,
        scores: np.ndarray,
        labels: np.ndarray,
        frame_id: int,
        embeds: np.ndarray | None = None,
        **kwargs: Any,
    ) -> dict[str, np.ndarray]:
        """Run one frame of SORT / DeepSORT (see :meth:`BaseTracker.update`).

        Args:
            embeds: ``(N, C)`` appearance embeddings of the detections,
                required when ``reid`` is set.
        """
        if self.with_reid and embeds is None:
            raise ValueError("SORTTracker with reid needs `embeds` for every detection")
        # 1. Keep the detections above the score threshold.
        keep = scores > self.obj_score_thr
        bboxes, scores, labels = bboxes[keep], scores[keep], labels[keep]
        if embeds is not None:
            embeds = np.asarray(embeds, dtype=np.float64)[keep]
        if self.empty:
            ids = self._init_tracks(bboxes, scores, labels, frame_id, embeds)
            self._pop_invalid(frame_id)
            return self._output(bboxes, scores, labels, ids)

        t = self.tracks
        # 2. Kalman prediction of every track.
        t["mean"], t["cov"] = self.kf.predict(t["mean"], t["cov"])
        det_to_track = np.full(len(bboxes), -1, dtype=np.int64)

        # 3. DeepSORT: appearance matching of the confirmed tracks, gated by the
        #    Mahalanobis distance of the Kalman filter.
        if self.with_reid:
            confirmed = (~t["tentative"]).nonzero()[0]
            if len(confirmed):
                track_emb = self._track_embeds(confirmed)
                if self.reid["metric"] == "cosine":
                    dist = cosine_distance(track_emb, embeds)
                else:
                    diff = track_emb[:, None, :] - embeds[None, :, :]
                    dist = np.sqrt(np.sum(diff * diff, axis=-1))
                gate = self.kf.gating_distance(
                    t["mean"][confirmed],
                    t["cov"][confirmed],
                    kf_measurements(bboxes, self._box_format),
                )
                dist = np.where(gate > self.kf.gating_threshold, np.inf, dist)
                dist[t["labels"][confirmed][:, None] != labels[None, :]] = np.inf
                matches, _, _ = linear_assignment(dist, self.reid["match_score_thr"])
                det_to_track[matches[:, 1]] = confirmed[matches[:, 0]]

        # 4. IoU matching of the tracks matched in the previous frame (and not yet in
        #    this one) with the remaining detections, on the predicted boxes.
        taken = np.zeros(len(t), dtype=bool)
        taken[det_to_track[det_to_track >= 0]] = True
        pool = (~taken & (t["last_frame"] == frame_id - 1)).nonzero()[0]
        free = (det_to_track < 0).nonzero()[0]
        # MMTracking keeps a match when 1 - IoU < 1 - match_iou_thr (strict).
        rows, cols, _ = iou_match(
            kf_boxes(t["mean"][pool], self._box_format),
            bboxes[free],
            t["labels"][pool],
            labels[free],
            self.match_iou_thr,
            strict=True,
        )
        det_to_track[free[cols]] = pool[rows]

        # 5. Update matched tracks; unmatched detections start new tracks;
        # 6. forget tracks lost for num_frames_retain frames.
        def with_embeds(idx: np.ndarray) -> dict:
            return dict(embeds=None if embeds is None else embeds[idx])

        new = (det_to_track < 0).nonzero()[0]
        return finish_frame(
            self,
            det_to_track,
            new,
            bboxes,
            scores,
            labels,
            frame_id,
            update_kwargs=with_embeds,
            init_kwargs=with_embeds,
            all_detections=True,
        )

    def _update_tracks(
        self,
        rows: np.ndarray,
        bboxes: np.ndarray,
        scores: np.ndarray,
        labels: np.ndarray,
        frame_id: int,
        embeds: np.ndarray | None,
    ) -> None:
        if len(rows) == 0:
            return
        t = self.tracks
        mean, cov = self.kf.update(
            t["mean"][rows], t["cov"][rows], kf_measurements(bboxes, self._box_format)
        )
        t["mean"][rows], t["cov"][rows] = mean, cov
        t["bboxes"][rows] = bboxes
        t["scores"][rows] = scores
        t["labels"][rows] = labels
        t["hits"][rows] += 1
        t["last_frame"][rows] = frame_id
        t["tentative"][rows] &= t["hits"][rows] < self.num_tentatives
        if self.with_reid:
            k = self.reid["num_samples"]
            slot = t["embed_count"][rows] % k
            t["embed_hist"][rows, slot] = embeds
            t["embed_count"][rows] += 1

    def _pop_invalid(self, frame_id: int) -> None:
        if self.empty:
            return
        self.tracks.keep(frame_id - self.tracks["last_frame"] < self.num_frames_retain)
