"""BoT-SORT's tracker (Aharon et al., 2022, "BoT-SORT: Robust Associations Multi-Pedestrian
Tracking")."""

from __future__ import annotations

from typing import Any

import numpy as np

from mmtrack.models.task_modules.track import match_pairs
from mmtrack.registry import MODELS, TASK_UTILS
from mmtrack.utils.fixed_keys import merge_fixed_keys

from .byte_tracker import ByteTracker
from .sort_family import admissible_pairs, finish_frame, kf_boxes


@MODELS.register_module()
class BoTSORTTracker(ByteTracker):
    """ByteTrack with an x-y-w-h Kalman filter, camera-motion compensation and ReID fusion.

    Steps per frame: (1) Kalman prediction of all tracks; (2) camera motion
    compensation (GMC) of the track states; (3) first association of tracked
    and lost tracks with high-score detections on ``1 - IoU * score``, fused
    with the appearance distance by an element-wise minimum when ReID is on;
    (4) second association of the tracks still unmatched (tracked in the
    previous frame) with low-score detections by IoU; (5) unconfirmed tracks
    with the high-score detections left; (6) new tracks above
    ``init_track_thr``; (7) removal of tracks lost for ``num_frames_retain``.

    Args:
        motion: motion model. Defaults to ``dict(type='KalmanFilter', box_format='xywh')``.
        cmc: camera motion compensation config, or None to disable.
            Defaults to None (BoT-SORT's paper setting is sparse optical flow:
            ``dict(type='CameraMotionCompensation', method='sparse_flow')``).
        obj_score_thrs: ``high``/``low`` detection score thresholds.
            Defaults to ``dict(high=0.6, low=0.1)``.
        init_track_thr: score above which an unmatched detection starts a
            track. Defaults to 0.7.
        match_thrs: largest admissible cost of the first (``high``: 0.8),
            second (``low``: 0.5) and unconfirmed (``tentative``: 0.7)
            associations. Defaults to ``dict(high=0.8, low=0.5, tentative=0.7)``.
        proximity_thr: IoU distance above which the appearance cannot match.
            Defaults to 0.5.
        appearance_thr: half cosine distance above which appearance does not
            count. Defaults to 0.25.
        reid_momentum: EMA factor of the track embeddings. Defaults to 0.9.
        with_reid: use appearance embeddings (``embeds`` in :meth:`update`).
            Defaults to False.
        fuse_score: multiply IoU by detection scores. Defaults to True.
        num_tentatives: frames to confirm a track. Defaults to 2 (tracks are
            confirmed on their second match, as BoT-SORT/ByteTrack's code).
        num_frames_retain: frames a lost track is kept. Defaults to 30.
    """

    def __init__(
        self,
        motion: dict | None = None,
        cmc: dict | None = None,
        obj_score_thrs: dict | None = None,
        init_track_thr: float = 0.7,
        match_thrs: dict | None = None,
        proximity_thr: float = 0.5,
        appearance_thr: float = 0.25,
        reid_momentum: float = 0.9,
        with_reid: bool = False,
        fuse_score: bool = True,
        num_tentatives: int = 2,
        num_frames_retain: int = 30,
    ) -> None:
        super().__init__(
            motion=motion or dict(type="KalmanFilter", box_format="xywh"),
            obj_score_thrs=obj_score_thrs,
            init_track_thr=init_track_thr,
            num_tentatives=num_tentatives,
            num_frames_retain=num_frames_retain,
        )
        self.cmc = TASK_UTILS.build(cmc) if isinstance(cmc, dict) else cmc
        self.match_thrs = merge_fixed_keys(
            type(self).__name__, "match_thrs", match_thrs, dict(high=0.8, low=0.5, tentative=0.7)
        )
        self.proximity_thr = proximity_thr
        self.appearance_thr = appearance_thr
        self.reid_momentum = reid_momentum
        self.with_reid = with_reid
        self.fuse_score = fuse_score
        self._prev_img: np.ndarray | None = None

    def reset(self) -> None:
        super().reset()
        self._prev_img = None

    def _match(
        self,
        rows: np.ndarray,
        track_boxes: np.ndarray,
        dets: np.ndarray,
        bboxes: np.ndarray,
        scores: np.ndarray,
        labels: np.ndarray,
        embeds: np.ndarray | None,
        max_cost: float,
        fuse: bool = True,
        with_reid: bool = True,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Match tracks ``rows`` and detections ``dets`` on the fused cost.

        Cost: ``1 - IoU`` (``1 - IoU * score`` when ``fuse``), replaced by the
        half cosine distance of the embeddings when that is smaller, below
        ``appearance_thr`` and the pair's IoU distance is within
        ``proximity_thr``. Pairs of different classes are excluded. Since
        every admissible pair has a cost below 1 (``max_cost < 1``), only
        overlapping pairs are ever scored.

        Returns:
            Indices into ``rows`` and ``dets`` of the matches, and the
            unmatched indices into ``dets``.
        """
        if max_cost >= 1.0:
            raise ValueError(f"BoTSORTTracker: match thresholds must be < 1, got {max_cost}")
        t = self.tracks
        # Every overlapping pair of the same class (IoU > 0).
        i, j, iou = admissible_pairs(
            track_boxes, bboxes[dets], t["labels"][rows], labels[dets], 0.0
        )
        cost = 1.0 - iou * scores[dets[j]] if fuse else 1.0 - iou
        if with_reid and self.with_reid and len(i):
            emb = (1.0 - np.sum(t["embeds"][rows[i]] * embeds[dets[j]], axis=1)) / 2.0
            usable = (emb <= self.appearance_thr) & (1.0 - iou <= self.proximity_thr)
            cost = np.where(usable, np.minimum(cost, emb), cost)
        ok = cost <= max_cost
        return match_pairs(i[ok], j[ok], cost[ok], len(rows), len(dets))

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
        """Run one frame of BoT-SORT.

        Args:
            img: the frame, ``(H, W, 3)`` BGR uint8; needed when ``cmc`` is set.
            embeds: ``(N, C)`` detection embeddings; needed when ``with_reid``.
        """
        if self.with_reid and embeds is None:
            raise ValueError("BoTSORTTracker with_reid=True needs `embeds` for every detection")
        if self.cmc is not None and img is None:
            raise ValueError("BoTSORTTracker with cmc needs the frame `img`")
        if embeds is not None:
            embeds = _unit(np.asarray(embeds, dtype=np.float64))
        thr_high, thr_low = self.obj_score_thrs["high"], self.obj_score_thrs["low"]
        prev_img, self._prev_img = self._prev_img, img
        if self.empty:
            keep = (scores > self.init_track_thr).nonzero()[0]
            ids = self._init(bboxes, scores, labels, frame_id, embeds, keep)
            return self._output(bboxes[keep], scores[keep], labels[keep], ids)

        t = self.tracks
        first = (scores > thr_high).nonzero()[0]
        second = ((scores > thr_low) & (scores <= thr_high)).nonzero()[0]
        # 1. Kalman prediction of the tracks (height/width velocity zeroed when lost).
        lost = t["last_frame"] != frame_id - 1
        t["mean"][lost, 6:8] = 0
        t["mean"], t["cov"] = self.kf.predict(t["mean"], t["cov"])
        # 2. Global motion compensation of every track state.
        if self.cmc is not None and prev_img is not None:
            warp = self.cmc.get_warp_matrix(img, prev_img)
            t["mean"], t["cov"] = self.cmc.warp_states(t["mean"], t["cov"], warp)
        boxes = kf_boxes(t["mean"], self._box_format)
        det_to_track = np.full(len(bboxes), -1, dtype=np.int64)

        # 3. First association: confirmed tracks (tracked + lost) with high-score detections.
        confirmed = (~t["tentative"]).nonzero()[0]
        ti, di, un = self._match(
            confirmed,
            boxes[confirmed],
            first,
            bboxes,
            scores,
            labels,
            embeds,
            self.match_thrs["high"],
            self.fuse_score,
        )
        det_to_track[first[di]] = confirmed[ti]
        first_left = first[un]
        used = np.zeros(len(t), dtype=bool)
        used[confirmed[ti]] = True

        # 4. Second association: still unmatched confirmed tracks tracked in the previous
        #    frame, with low-score detections, by IoU only.
        pool = confirmed[~used[confirmed] & ~lost[confirmed]]
        ti, di, _ = self._match(
            pool,
            boxes[pool],
            second,
            bboxes,
            scores,
            labels,
            embeds,
            self.match_thrs["low"],
            fuse=False,
            with_reid=False,
        )
        det_to_track[second[di]] = pool[ti]

        # 5. Unconfirmed tracks with the high-score detections left.
        tentative = t["tentative"].nonzero()[0]
        ti, di, un = self._match(
            tentative,
            boxes[tentative],
            first_left,
            bboxes,
            scores,
            labels,
            embeds,
            self.match_thrs["tentative"],
            self.fuse_score,
        )
        det_to_track[first_left[di]] = tentative[ti]
        first_left = first_left[un]

        # 5. Update the matched tracks (and their appearance EMA); 6. new tracks;
        # 7. removal of stale and missed unconfirmed tracks.
        def after_update(rows: np.ndarray, matched: np.ndarray) -> None:
            if self.with_reid and len(rows):
                e = t["embeds"][rows] * self.reid_momentum + (1 - self.reid_momentum) * _unit(
                    embeds[matched]
                )
                t["embeds"][rows] = _unit(e)

        def new_embeds(idx: np.ndarray) -> dict:
            if not self.with_reid:
                return {}
            return dict(embeds=_unit(np.asarray(embeds, dtype=np.float64)[idx]))

        new = first_left[scores[first_left] > self.init_track_thr]
        return finish_frame(
            self,
            det_to_track,
            new,
            bboxes,
            scores,
            labels,
            frame_id,
            after_update=after_update,
            init_kwargs=new_embeds,
        )

    def _init(
        self,
        bboxes: np.ndarray,
        scores: np.ndarray,
        labels: np.ndarray,
        frame_id: int,
        embeds: np.ndarray | None,
        keep: np.ndarray,
    ) -> np.ndarray:
        extra = {}
        if self.with_reid:
            extra["embeds"] = _unit(np.asarray(embeds, dtype=np.float64)[keep])
        ids = self._init_tracks(bboxes[keep], scores[keep], labels[keep], frame_id, **extra)
        self._pop_invalid(frame_id)
        return ids


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)
