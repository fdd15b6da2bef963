"""ByteTrack's tracker (Zhang et al., ECCV 2022)."""

from __future__ import annotations

from typing import Any

import numpy as np

from mmtrack.registry import MODELS
from mmtrack.utils.fixed_keys import merge_fixed_keys

from .base_tracker import BaseTracker
from .sort_family import finish_frame, iou_match, kf_boxes, kf_measurements


@MODELS.register_module()
class ByteTracker(BaseTracker):
    """BYTE: associate every detection box, high scores first, then low ones.

    Args:
        motion: motion model config. Defaults to ``dict(type='KalmanFilter')``.
        obj_score_thrs: ``high``/``low`` score thresholds splitting detections
            into the first (``> high``) and second (``(low, high]``) association.
            Defaults to ``dict(high=0.6, low=0.1)``.
        init_track_thr: a detection left unmatched starts a new track only if
            its score is above this. Defaults to 0.7.
        weight_iou_with_det_scores: weight IoU by the detection score in the
            first and tentative associations. Defaults to True.
        match_iou_thrs: minimum IoU of a match in the first (``high``), second
            (``low``) and tentative associations.
            Defaults to ``dict(high=0.1, low=0.5, tentative=0.3)``.
        num_tentatives: matched frames after which a new track is confirmed.
            Defaults to 3.
        num_frames_retain: frames a lost track is kept. Defaults to 30.
        output_tentative: also output tracks not confirmed yet (new ones
            included), as MMTracking does. False outputs confirmed tracks
            only, as the ByteTrack authors' code does (tracks of the first
            frame are confirmed at once either way). Defaults to True.
        output_boxes: ``'detection'`` outputs each track's matched detection
            box (MMTracking); ``'kalman'`` the Kalman filter's updated box
            (the ByteTrack code's ``STrack.tlbr``), which averages out
            detection noise. Defaults to ``'detection'``.

    The defaults are MMTracking 0.14's (the shipped configs rely on them);
    :meth:`paper_settings` gives the ByteTrack code's life cycle, which
    scores higher on crowded streams (``compare_bytetrack.py``).
    """

    def __init__(
        self,
        motion: dict | None = None,
        obj_score_thrs: dict | None = None,
        init_track_thr: float = 0.7,
        weight_iou_with_det_scores: bool = True,
        match_iou_thrs: dict | None = None,
        num_tentatives: int = 3,
        num_frames_retain: int = 30,
        output_tentative: bool = True,
        output_boxes: str = "detection",
    ) -> None:
        super().__init__(motion or dict(type="KalmanFilter"), num_frames_retain)
        self.output_tentative = output_tentative
        if output_boxes not in ("detection", "kalman"):
            raise ValueError(
                f"ByteTracker: output_boxes must be 'detection' or 'kalman', got {output_boxes!r}"
            )
        self.output_boxes = output_boxes
        self.obj_score_thrs = merge_fixed_keys(
            type(self).__name__, "obj_score_thrs", obj_score_thrs, dict(high=0.6, low=0.1)
        )
        self.init_track_thr = init_track_thr
        self.weight_iou_with_det_scores = weight_iou_with_det_scores
        self.match_iou_thrs = merge_fixed_keys(
            type(self).__name__,
            "match_iou_thrs",
            match_iou_thrs,
            dict(high=0.1, low=0.5, tentative=0.3),
        )
        self.num_tentatives = num_tentatives
        self._box_format = getattr(self.motion, "box_format", "xyah")

    @staticmethod
    def paper_settings() -> dict:
        """The ByteTrack authors' code's settings where MMTracking's differ.

        ``BYTETracker`` (ifzhang/ByteTrack, MOT17 test: ``track_thresh 0.6``)
        matches the first association at ``1 - IoU * score < 0.8`` (IoU*score
        above 0.2, MMTracking 0.1), confirms a track at its second matched
        frame (MMTracking: third) and outputs confirmed tracks only.

        Returns:
            Keyword arguments of :class:`ByteTracker`.
        """
        return dict(
            match_iou_thrs=dict(high=0.2, low=0.5, tentative=0.3),
            num_tentatives=2,
            output_tentative=False,
            output_boxes="kalman",
        )

    def _confirmed_only(self, out: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Apply ``output_tentative`` and ``output_boxes`` to a frame's output."""
        if len(out["ids"]) == 0 or (self.output_tentative and self.output_boxes == "detection"):
            return out
        t = self.tracks
        order = np.argsort(t["ids"])
        rows = order[np.searchsorted(t["ids"], out["ids"], sorter=order)]
        if self.output_boxes == "kalman":
            out = dict(out, bboxes=kf_boxes(t["mean"][rows], self._box_format))
        if not self.output_tentative:
            keep = ~t["tentative"][rows]
            out = {k: v[keep] for k, v in out.items()}
        return out

    def _init_tracks(
        self,
        bboxes: np.ndarray,
        scores: np.ndarray,
        labels: np.ndarray,
        frame_id: int,
        **extra: np.ndarray,
    ) -> np.ndarray:
        """Start tracks for the given detections; ``extra`` adds per-track fields."""
        if len(bboxes) == 0:
            return np.empty(0, dtype=np.int64)
        ids = self._new_ids(len(bboxes))
        mean, cov = self.kf.initiate(
            kf_measurements(bboxes, self._box_format), compact=self._compact_cov
        )
        n = len(bboxes)
        self.tracks.add(
            ids=ids,
            bboxes=bboxes,
            scores=scores,
            labels=labels,
            mean=mean,
            cov=cov,
            hits=np.ones(n, dtype=np.int64),
            last_frame=np.full(n, frame_id, dtype=np.int64),
            # Tracks of the first frame are confirmed at once (as in the paper's code).
            tentative=np.full(n, frame_id != 0, dtype=bool),
            **extra,
        )
        return ids

    def update(
        self,
        bboxes: np.ndarray,
        scores: np.ndarray,
        labels: np.ndarray,
        frame_id: int,
        **kwargs: Any,
    ) -> dict[str, np.ndarray]:
        """Run one frame of BYTE (see :meth:`BaseTracker.update`)."""
        thr_high, thr_low = self.obj_score_thrs["high"], self.obj_score_thrs["low"]
        if self.empty:
            keep = scores > self.init_track_thr
            ids = self._init_tracks(bboxes[keep], scores[keep], labels[keep], frame_id)
            self._pop_invalid(frame_id)
            return self._confirmed_only(
                self._output(bboxes[keep], scores[keep], labels[keep], ids)
            )

        t = self.tracks
        # 1. Split detections by score: high ones first, low ones in the second association.
        first = (scores > thr_high).nonzero()[0]
        second = ((scores > thr_low) & (scores <= thr_high)).nonzero()[0]

        # 2. Kalman prediction of the confirmed tracks; a track lost in the previous
        #    frame has its height velocity zeroed first.
        confirmed = (~t["tentative"]).nonzero()[0]
        if len(confirmed):
            mean, cov = t["mean"][confirmed], t["cov"][confirmed]
            lost = t["last_frame"][confirmed] != frame_id - 1
            mean[lost, 7] = 0
            t["mean"][confirmed], t["cov"][confirmed] = self.kf.predict(mean, cov)
        track_boxes = kf_boxes(t["mean"], self._box_format)
        weights = scores if self.weight_iou_with_det_scores else None

        det_to_track = np.full(len(bboxes), -1, dtype=np.int64)  # row index into the store
        # 3. First association: confirmed tracks (tracked and lost) with high-score detections.
        rows, cols, unmatched = iou_match(
            track_boxes[confirmed],
            bboxes[first],
            t["labels"][confirmed],
            labels[first],
            self.match_iou_thrs["high"],
            None if weights is None else weights[first],
        )
        det_to_track[first[cols]] = confirmed[rows]
        first_left = first[unmatched]
        matched_confirmed = np.zeros(len(t), dtype=bool)
        matched_confirmed[confirmed[rows]] = True

        # 4. Tentative tracks with the high-score detections left over.
        tentative = t["tentative"].nonzero()[0]
        rows, cols, unmatched = iou_match(
            track_boxes[tentative],
            bboxes[first_left],
            t["labels"][tentative],
            labels[first_left],
            self.match_iou_thrs["tentative"],
            None if weights is None else weights[first_left],
        )
        det_to_track[first_left[cols]] = tentative[rows]
        first_left = first_left[unmatched]

        # 5. Second association: confirmed tracks still unmatched and tracked in the
        #    previous frame, with the low-score detections (IoU only).
        pool = confirmed[
            ~matched_confirmed[confirmed] & (t["last_frame"][confirmed] == frame_id - 1)
        ]
        rows, cols, _ = iou_match(
            track_boxes[pool],
            bboxes[second],
            t["labels"][pool],
            labels[second],
            self.match_iou_thrs["low"],
        )
        det_to_track[second[cols]] = pool[rows]

        # 6. Update the matched tracks with their detections; 7. unmatched high-score
        #    detections above init_track_thr start new (tentative) tracks; 8. drop
        #    tentative tracks missed in this frame and tracks lost for too long.
        new = first_left[scores[first_left] > self.init_track_thr]
        out = finish_frame(self, det_to_track, new, bboxes, scores, labels, frame_id)
        return self._confirmed_only(out)

    def _update_tracks(
        self,
        rows: np.ndarray,
        bboxes: np.ndarray,
        scores: np.ndarray,
        labels: np.ndarray,
        frame_id: int,
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

    def _pop_invalid(self, frame_id: int) -> None:
        if self.empty:
            return
        t = self.tracks
        stale = frame_id - t["last_frame"] >= self.num_frames_retain
        missed_tentative = t["tentative"] & (t["last_frame"] != frame_id)
        t.keep(~(stale | missed_tentative))
