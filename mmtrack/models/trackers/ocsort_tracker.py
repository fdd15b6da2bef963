"""OC-SORT's tracker (Cao et al., CVPR 2023, "Observation-Centric SORT")."""

from __future__ import annotations

from typing import Any

import numpy as np

from mmtrack.models.task_modules.track import match_pairs
from mmtrack.registry import MODELS

from .base_tracker import BaseTracker
from .sort_family import admissible_pairs, finish_frame, iou_match, kf_boxes, kf_measurements

_EMPTY = np.empty(0, dtype=np.int64)


def centers_yx(boxes: np.ndarray) -> np.ndarray:
    """``(K, 2)`` ``(cy, cx)`` centres of ``(K, 4)`` x1y1x2y2 boxes."""
    return (boxes[:, (1, 0)] + boxes[:, (3, 2)]) * 0.5


def unit_directions(from_yx: np.ndarray, to_yx: np.ndarray) -> np.ndarray:
    """Unit ``(dy, dx)`` directions from ``from_yx`` to ``to_yx`` (paired centres), ``(K, 2)``.

    A zero displacement gives a zero vector (OC-SORT divides by ``norm + 1e-6``).
    """
    d = to_yx - from_yx
    d /= (np.hypot(d[:, 0], d[:, 1]) + 1e-6)[:, None]
    return d


@MODELS.register_module()
class OCSORTTracker(BaseTracker):
    """SORT with observation-centric momentum (OCM), recovery (OCR) and re-update (ORU).

    Args:
        motion: motion model config. Defaults to ``dict(type='KalmanFilter')``.
        obj_score_thr: detections at or below this score are not associated.
            Defaults to 0.3.
        init_track_thr: an unmatched detection starts a track only above this
            score. Defaults to 0.7.
        weight_iou_with_det_scores: weight IoU by detection scores in the cost.
            Defaults to True.
        match_iou_thr: minimum IoU of any match. Defaults to 0.3.
        num_tentatives: matched frames after which a new track is confirmed.
            Defaults to 3.
        vel_consist_weight: weight of the direction-consistency (OCM) term.
            Defaults to 0.2.
        vel_delta_t: time step over which a track's direction is measured.
            Defaults to 3.
        num_frames_retain: frames a lost track is kept. Defaults to 30.
    """

    def __init__(
        self,
        motion: dict | None = None,
        obj_score_thr: float = 0.3,
        init_track_thr: float = 0.7,
        weight_iou_with_det_scores: bool = True,
        match_iou_thr: float = 0.3,
        num_tentatives: int = 3,
        vel_consist_weight: float = 0.2,
        vel_delta_t: int = 3,
        num_frames_retain: int = 30,
    ) -> None:
        super().__init__(motion or dict(type="KalmanFilter"), num_frames_retain)
        self.obj_score_thr = obj_score_thr
        self.init_track_thr = init_track_thr
        self.weight_iou_with_det_scores = weight_iou_with_det_scores
        self.match_iou_thr = match_iou_thr
        self.num_tentatives = num_tentatives
        self.vel_consist_weight = vel_consist_weight
        self.vel_delta_t = vel_delta_t
        self._box_format = getattr(self.motion, "box_format", "xyah")

    # -- track bookkeeping -------------------------------------------------------------------
    def _init_tracks(
        self,
        bboxes: np.ndarray,
        scores: np.ndarray,
        labels: np.ndarray,
        frame_id: int,
        **extra: np.ndarray,
    ) -> np.ndarray:
        """Start tracks for the given detections; ``extra`` adds per-track fields."""
        n = len(bboxes)
        if n == 0:
            return np.empty(0, dtype=np.int64)
        ids = self._new_ids(n)
        mean, cov = self.kf.initiate(
            kf_measurements(bboxes, self._box_format), compact=self._compact_cov
        )
        self.tracks.add(
            ids=ids,
            bboxes=bboxes,
            scores=scores,
            labels=labels,
            mean=mean,
            cov=cov,
            saved_mean=mean.copy(),
            saved_cov=cov.copy(),
            hits=np.ones(n, dtype=np.int64),
            last_frame=np.full(n, frame_id, dtype=np.int64),
            tentative=np.full(n, frame_id != 0, dtype=bool),
            # Ring buffer of the last vel_delta_t + 1 observations: slot f % (D + 1)
            # holds frame f's observation, NaN when the track was missed.
            hist=self._new_hist(bboxes, frame_id),
            # Unit (dy, dx) direction over vel_delta_t frames; zero until the second
            # observation, which makes the direction term vanish (as OC-SORT).
            velocity=np.zeros((n, 2)),
            **extra,
        )
        return ids

    # -- extension points (Deep OC-SORT) -------------------------------------------------------
    def _new_track_fields(self, det_idx: np.ndarray, frame: dict[str, Any]) -> dict:
        """Extra per-track fields for new tracks from detections ``det_idx``."""
        return {}

    def _compensate_camera(self, frame: dict[str, Any]) -> None:
        """Move track states by the camera motion of this frame (no-op here)."""

    def _pair_bonus(
        self,
        rows: np.ndarray,
        det_rows: np.ndarray,
        i: np.ndarray,
        j: np.ndarray,
        frame: dict[str, Any],
    ) -> np.ndarray | None:
        """Extra similarity subtracted from the OCM cost of the pairs
        ``(rows[i], det_rows[j])`` (tracks in ``rows``, detections in ``det_rows``)."""
        return None

    def _after_update(self, rows: np.ndarray, det_idx: np.ndarray, frame: dict[str, Any]) -> None:
        """Hook after the matched tracks ``rows`` took detections ``det_idx``."""

    def _new_hist(self, bboxes: np.ndarray, frame_id: int) -> np.ndarray:
        hist = np.full((len(bboxes), self.vel_delta_t + 1, 4), np.nan)
        hist[:, frame_id % (self.vel_delta_t + 1)] = bboxes
        return hist

    def _history(self, rows: np.ndarray | slice, frame_id: int) -> np.ndarray:
        """``(K, D, 4)`` observations of frames ``frame_id - D .. frame_id - 1``, oldest first."""
        d = self.vel_delta_t
        slots = [(frame_id - d + j) % (d + 1) for j in range(d)]
        return self.tracks["hist"][rows][:, slots]

    @staticmethod
    def _previous_observation(hist: np.ndarray, last_obs: np.ndarray) -> np.ndarray:
        """The oldest observation of ``hist``, or ``last_obs`` where it has none.

        Args:
            hist: ``(K, D, 4)`` observations, oldest first (NaN where missed).
            last_obs: ``(K, 4)`` each track's latest observation.

        Returns:
            ``(K, 4)``: the observation ``D`` frames back, else the closest one
            after it, else ``last_obs`` (OC-SORT's ``k_previous_obs``).
        """
        if hist.shape[1] == 0:
            return last_obs.copy()
        valid = ~np.isnan(hist[:, :, 0])
        first = valid.argmax(axis=1)
        picked = hist[np.arange(len(hist)), first]
        return np.where(valid.any(axis=1)[:, None], picked, last_obs)

    # -- association --------------------------------------------------------------------------
    def _ocm_match(
        self,
        rows: np.ndarray,
        track_boxes: np.ndarray,
        det_rows: np.ndarray,
        bboxes: np.ndarray,
        scores: np.ndarray,
        labels: np.ndarray,
        frame: dict[str, Any],
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Match by IoU plus direction consistency (OCM).

        The cost of a pair is ``1 - IoU * s - w * s * (pi / 2 - angle) / pi``
        (``s`` the detection score when ``weight_iou_with_det_scores``, else 1
        for the IoU term), where ``angle`` is between the track's direction and
        the direction from its previous observation to the detection. Pairs
        with ``IoU < match_iou_thr`` or different classes are not admissible.

        Args:
            rows: ``(K,)`` track rows.
            track_boxes: ``(K, 4)`` their predicted x1y1x2y2 boxes.
            det_rows: ``(N,)`` detection indices.
            bboxes, scores, labels: the frame's detections.
            frame: per-frame inputs, with ``prev_yx`` (centres of every
                track's previous observation) and ``det_yx`` (detection centres).

        Returns:
            ``(track_idx, det_idx)`` of the matches (indices into ``rows`` and
            ``det_rows``) and the unmatched indices into ``det_rows``.
        """
        if len(rows) == 0 or len(det_rows) == 0:
            return _EMPTY, _EMPTY, np.arange(len(det_rows))
        t = self.tracks
        i, j, iou = admissible_pairs(
            track_boxes,
            bboxes[det_rows],
            t["labels"][rows],
            labels[det_rows],
            self.match_iou_thr,
        )
        if len(i):
            ri, dj = rows[i], det_rows[j]
            s = scores[dj]
            cost = 1.0 - (iou * s if self.weight_iou_with_det_scores else iou)
            d = unit_directions(frame["prev_yx"][ri], frame["det_yx"][dj])
            cos = np.einsum("ij,ij->i", t["velocity"][ri], d)
            # (pi / 2 - arccos(cos)) / pi, cos clipped to [-1, 1]
            consistency = np.arcsin(np.minimum(np.maximum(cos, -1.0), 1.0))
            consistency *= s * (self.vel_consist_weight / np.pi)
            cost -= consistency
            bonus = self._pair_bonus(rows, det_rows, i, j, frame)
            if bonus is not None:
                cost -= bonus
        else:
            cost = iou
        return match_pairs(i, j, cost, len(rows), len(det_rows))

    def update(
        self,
        bboxes: np.ndarray,
        scores: np.ndarray,
        labels: np.ndarray,
        frame_id: int,
        **kwargs: Any,
    ) -> dict[str, np.ndarray]:
        """Run one frame of OC-SORT (see :meth:`BaseTracker.update`)."""
        frame = dict(kwargs, scores=scores)
        if self.empty:
            keep = (scores > self.init_track_thr).nonzero()[0]
            ids = self._init_tracks(
                bboxes[keep],
                scores[keep],
                labels[keep],
                frame_id,
                **self._new_track_fields(keep, frame),
            )
            self._pop_invalid(frame_id)
            return self._output(bboxes[keep], scores[keep], labels[keep], ids)

        t = self.tracks
        dets = (scores > self.obj_score_thr).nonzero()[0]
        # 1. Kalman prediction of the confirmed tracks (height velocity zeroed for tracks
        #    lost in the previous frame). The prediction of a track tracked until the
        #    previous frame is saved: ORU restarts from it if the track gets lost now.
        tentative_mask = t["tentative"]
        confirmed = (~tentative_mask).nonzero()[0]
        all_confirmed = len(confirmed) == len(t)
        if all_confirmed:
            mean = t["mean"]
            was_tracked = t["last_frame"] == frame_id - 1
            mean[:, 7] *= was_tracked
            t["mean"], t["cov"] = self.kf.predict(mean, t["cov"])
            np.copyto(t["saved_mean"], t["mean"], where=was_tracked[:, None])
            np.copyto(t["saved_cov"], t["cov"], where=was_tracked[:, None, None])
        elif len(confirmed):
            mean, cov = t["mean"][confirmed], t["cov"][confirmed]
            was_tracked = t["last_frame"][confirmed] == frame_id - 1
            mean[:, 7] *= was_tracked
            mean, cov = self.kf.predict(mean, cov)
            t["mean"][confirmed], t["cov"][confirmed] = mean, cov
            saved = confirmed[was_tracked]
            t["saved_mean"][saved] = mean[was_tracked]
            t["saved_cov"][saved] = cov[was_tracked]
        self._compensate_camera(frame)
        # Centres of every track's previous observation (OC-SORT's k_previous_obs) and of
        # the detections: the directions of OCM and of the velocity update start there.
        prev_obs = self._previous_observation(self._history(slice(None), frame_id), t["bboxes"])
        frame["prev_yx"] = centers_yx(prev_obs)
        frame["det_yx"] = centers_yx(bboxes)
        track_boxes = kf_boxes(t["mean"], self._box_format)
        det_to_track = np.full(len(bboxes), -1, dtype=np.int64)

        # 2. OCM association of the confirmed tracks: IoU + direction consistency.
        ti, di, un = self._ocm_match(
            confirmed,
            track_boxes if all_confirmed else track_boxes[confirmed],
            dets,
            bboxes,
            scores,
            labels,
            frame,
        )
        det_to_track[dets[di]] = confirmed[ti]
        left = dets[un]

        # 3. The same for the tentative tracks and the detections left.
        if not all_confirmed and len(left):
            tentative = tentative_mask.nonzero()[0]
            ti, di, un = self._ocm_match(
                tentative, track_boxes[tentative], left, bboxes, scores, labels, frame
            )
            det_to_track[left[di]] = tentative[ti]
            left = left[un]

        # 4. OCR: the tracks still unmatched against the detections left, by the IoU of
        #    their last observation (not the drifted Kalman prediction).
        if len(left):
            taken = np.zeros(len(t), dtype=bool)
            taken[det_to_track[det_to_track >= 0]] = True
            rest = (~taken).nonzero()[0]
            ti, di, un = iou_match(
                t["bboxes"][rest], bboxes[left], t["labels"][rest], labels[left], self.match_iou_thr
            )
            det_to_track[left[di]] = rest[ti]
            left = left[un]

        # 5. Update the matched tracks (ORU for the re-found ones) and age the rest;
        # 6. new tracks from confident unmatched detections.
        def after_update(rows: np.ndarray, matched: np.ndarray) -> None:
            if len(rows):
                t["velocity"][rows] = unit_directions(
                    frame["prev_yx"][rows], frame["det_yx"][matched]
                )
            self._after_update(rows, matched, frame)
            missed = np.ones(len(t), dtype=bool)
            missed[rows] = False
            self._mark_missed(missed, frame_id)

        new = left[scores[left] > self.init_track_thr]
        return finish_frame(
            self,
            det_to_track,
            new,
            bboxes,
            scores,
            labels,
            frame_id,
            after_update=after_update,
            init_kwargs=lambda idx: self._new_track_fields(idx, frame),
        )

    def _update_tracks(
        self,
        rows: np.ndarray,
        bboxes: np.ndarray,
        scores: np.ndarray,
        labels: np.ndarray,
        frame_id: int,
    ) -> None:
        """Kalman update (with ORU) and observation history of the matched tracks.

        The direction (``velocity``) is set by the caller, from the previous
        observations of this frame.
        """
        if len(rows) == 0:
            return
        t = self.tracks
        gap = frame_id - t["last_frame"][rows]
        mean, cov = t["mean"][rows], t["cov"][rows]
        # ORU: a track re-found after `gap - 1` missed frames restarts from the state
        # predicted for its first missed frame and is re-updated along a virtual
        # trajectory interpolated linearly between its last and its new observation.
        lost = (gap > 1).nonzero()[0]
        if len(lost):
            r = rows[lost]
            m_, c_ = t["saved_mean"][r], t["saved_cov"][r]
            last, new, g = t["bboxes"][r], bboxes[lost], gap[lost]
            shift, ratio = new - last, 1.0 / g[:, None]
            g_max = int(g.max())
            same_gap = g_max == int(g.min())  # usually: every track missed the same frames
            for step in range(1, g_max):
                if same_gap:
                    virtual = last + shift * (step * ratio)
                    m_, c_ = self.kf.update(m_, c_, kf_measurements(virtual, self._box_format))
                    m_, c_ = self.kf.predict(m_, c_)
                    continue
                active = (g > step).nonzero()[0]  # tracks still on their virtual path
                virtual = last[active] + shift[active] * (step * ratio[active])
                ma, ca = self.kf.update(
                    m_[active], c_[active], kf_measurements(virtual, self._box_format)
                )
                m_[active], c_[active] = self.kf.predict(ma, ca)
            mean[lost], cov[lost] = m_, c_
        t["mean"][rows], t["cov"][rows] = self.kf.update(
            mean, cov, kf_measurements(bboxes, self._box_format)
        )
        t["hist"][rows, frame_id % (self.vel_delta_t + 1)] = bboxes
        t["bboxes"][rows] = bboxes
        t["scores"][rows] = scores
        t["labels"][rows] = labels
        hits = t["hits"][rows] + 1
        t["hits"][rows] = hits
        t["last_frame"][rows] = frame_id
        t["tentative"][rows] &= hits < self.num_tentatives

    def _mark_missed(self, rows: np.ndarray, frame_id: int) -> None:
        """Record "no observation" in this frame's history slot of ``rows`` (mask or indices)."""
        self.tracks["hist"][rows, frame_id % (self.vel_delta_t + 1)] = np.nan

    def _pop_invalid(self, frame_id: int) -> None:
        if self.empty:
            return
        self.tracks.keep(frame_id - self.tracks["last_frame"] < self.num_frames_retain)
