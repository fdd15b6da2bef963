"""StrongSORT's tracker (Du et al., IEEE TMM 2023, "StrongSORT: Make DeepSORT Great Again")."""

from __future__ import annotations

from typing import Any

import numpy as np

from mmtrack.models.task_modules.track import cosine_distance, linear_assignment
from mmtrack.registry import MODELS, TASK_UTILS

from .base_tracker import BaseTracker
from .sort_family import finish_frame, iou_match, kf_boxes, kf_measurements


@MODELS.register_module()
class StrongSORTTracker(BaseTracker):
    """DeepSORT upgraded: EMA appearance bank, NSA Kalman, ECC, global cost with motion.

    Steps per frame: (1) drop detections at or below ``obj_score_thr``;
    (2) Kalman prediction (NSA filter) and ECC camera motion compensation;
    (3) global linear assignment of the confirmed tracks on
    ``(1 - motion_weight) * appearance + motion_weight * mahalanobis``, with
    pairs outside the chi-square gate or above ``match_score_thr`` in
    appearance excluded (replacing DeepSORT's matching cascade);
    (4) IoU matching of unconfirmed tracks and of tracks missed only in the
    previous frame with the detections left; (5) update (EMA of embeddings),
    new tracks, deletion of missed tentative tracks and of tracks lost for
    ``num_frames_retain`` frames.

    Args:
        motion: motion model. Defaults to ``dict(type='KalmanFilter', use_nsa=True)``.
        cmc: camera motion compensation config or None. Defaults to None
            (the paper uses ``dict(type='CameraMotionCompensation', method='ecc')``).
        obj_score_thr: minimum detection score. Defaults to 0.6.
        reid: ``dict(match_score_thr=0.3, motion_weight=0.02, momentum=0.9)``:
            cosine-distance threshold, weight of the Mahalanobis term and EMA
            factor; None for IoU-only association. Defaults to that dict.
        match_iou_thr: minimum IoU in the IoU step (DeepSORT's
            ``max_iou_distance = 1 - match_iou_thr``). Defaults to 0.3.
        num_tentatives: matches to confirm a track. Defaults to 2.
        num_frames_retain: frames a lost track is kept. Defaults to 100.
    """

    def __init__(
        self,
        motion: dict | None = None,
        cmc: dict | None = None,
        obj_score_thr: float = 0.6,
        reid: dict | None = dict(match_score_thr=0.3, motion_weight=0.02, momentum=0.9),  # noqa: B006
        match_iou_thr: float = 0.3,
        num_tentatives: int = 2,
        num_frames_retain: int = 100,
    ) -> None:
        super().__init__(motion or dict(type="KalmanFilter", use_nsa=True), num_frames_retain)
        self.cmc = TASK_UTILS.build(cmc) if isinstance(cmc, dict) else cmc
        self.obj_score_thr = obj_score_thr
        self.reid = None
        if reid is not None:
            self.reid = {**dict(match_score_thr=0.3, motion_weight=0.02, momentum=0.9), **reid}
        self.match_iou_thr = match_iou_thr
        self.num_tentatives = num_tentatives
        self._box_format = getattr(self.motion, "box_format", "xyah")
        self._prev_img: np.ndarray | None = None

    def reset(self) -> None:
        super().reset()
        self._prev_img = None

    def update(
        self,
        bboxes: np.ndarray,
        scores: np.ndarray,
        labels: np.ndarray,
        frame_id: int,
        img: np.ndarray | None = None,
        embeds: np.ndarray | None = None,
        **kwargs: Any,
    ) -> dict[str, np.ndarray]:
        """Run one frame of StrongSORT.

        Args:
            img: the frame (BGR uint8), needed when ``cmc`` is set.
            embeds: ``(N, C)`` detection embeddings, needed when ``reid`` is set.
        """
        if self.reid is not None and embeds is None:
            raise ValueError("StrongSORTTracker with reid needs `embeds` for every detection")
        if self.cmc is not None and img is None:
            raise ValueError("StrongSORTTracker with cmc needs the frame `img`")
        # 1. Confident detections only.
        keep = scores > self.obj_score_thr
        bboxes, scores, labels = bboxes[keep], scores[keep], labels[keep]
        if embeds is not None:
            embeds = _unit(np.asarray(embeds, dtype=np.float64)[keep])
        prev_img, self._prev_img = self._prev_img, img
        if self.empty:
            ids = self._init_tracks(bboxes, scores, labels, frame_id, embeds)
            return self._output(bboxes, scores, labels, ids)

        t = self.tracks
        # 2. Kalman prediction, then camera motion compensation of the states.
        t["mean"], t["cov"] = self.kf.predict(t["mean"], t["cov"])
        if self.cmc is not None and prev_img is not None:
            warp = self.cmc.get_warp_matrix(img, prev_img)
            t["mean"], t["cov"] = self.cmc.warp_states(t["mean"], t["cov"], warp)
        det_to_track = np.full(len(bboxes), -1, dtype=np.int64)
        confirmed = (~t["tentative"]).nonzero()[0]
        matched_tracks = np.zeros(len(t), dtype=bool)

        # 3. Global assignment of confirmed tracks on appearance + motion.
        if self.reid is not None and len(confirmed) and len(bboxes):
            app = cosine_distance(t["embeds"][confirmed], embeds)
            maha = self.kf.gating_distance(
                t["mean"][confirmed], t["cov"][confirmed], kf_measurements(bboxes, self._box_format)
            )
            w = self.reid["motion_weight"]
            cost = (1 - w) * app + w * maha
            bad = (maha > self.kf.gating_threshold) | (app > self.reid["match_score_thr"])
            bad |= t["labels"][confirmed][:, None] != labels[None, :]
            cost[bad] = np.inf
            m, _, _ = linear_assignment(cost, np.finfo(float).max)
            det_to_track[m[:, 1]] = confirmed[m[:, 0]]
            matched_tracks[confirmed[m[:, 0]]] = True

        # 4. IoU step: unconfirmed tracks and tracks missed only in the previous frame.
        if self.reid is None:
            recent = ~matched_tracks & (t["last_frame"] >= frame_id - 1)
        else:
            recent = ~matched_tracks & (t["tentative"] | (t["last_frame"] == frame_id - 1))
        pool = recent.nonzero()[0]
        free = (det_to_track < 0).nonzero()[0]
        rows, cols, _ = iou_match(
            kf_boxes(t["mean"][pool], self._box_format),
            bboxes[free],
            t["labels"][pool],
            labels[free],
            self.match_iou_thr,
        )
        det_to_track[free[cols]] = pool[rows]

        # 5. Update, new tracks, deletions.
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
            self._pop_invalid(frame_id)
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
        if self.reid is not None:
            fields["embeds"] = embeds.reshape(n, embeds.shape[-1])
        self.tracks.add(**fields)
        self._pop_invalid(frame_id)
        return ids

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
            t["mean"][rows],
            t["cov"][rows],
            kf_measurements(bboxes, self._box_format),
            confidence=scores,
        )
        t["mean"][rows], t["cov"][rows] = mean, cov
        t["bboxes"][rows] = bboxes
        t["scores"][rows] = scores
        t["labels"][rows] = labels
        t["hits"][rows] += 1
        t["last_frame"][rows] = frame_id
        t["tentative"][rows] &= t["hits"][rows] < self.num_tentatives
        if self.reid is not None:
            a = self.reid["momentum"]
            t["embeds"][rows] = _unit(a * t["embeds"][rows] + (1 - a) * embeds)

    def _pop_invalid(self, frame_id: int) -> None:
        t = self.tracks
        # Without ReID a track missed in this frame can never be matched again (the IoU
        # step only takes tracks seen in the previous frame): drop it at once.
        retain = self.num_frames_retain if self.reid is not None else 1
        stale = frame_id - t["last_frame"] >= retain
        missed_tentative = t["tentative"] & (t["last_frame"] != frame_id)
        t.keep(~(stale | missed_tentative))


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)
