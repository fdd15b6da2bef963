"""QDTrack's tracker (Pang et al., CVPR 2021, "Quasi-Dense Similarity Learning")."""

from __future__ import annotations

from typing import Any

import numpy as np

from mmtrack.models.task_modules.track import iou_matrix
from mmtrack.registry import MODELS

from .base_tracker import BaseTracker


def _softmax(x: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@MODELS.register_module()
class QuasiDenseTracker(BaseTracker):
    """Appearance-only association with bi-directional softmax and backdrops.

    Steps per frame: (1) sort detections by score and drop duplicates (a box
    overlapping a higher-scored one by more than ``nms_class_iou_thr``, or
    ``nms_backdrop_iou_thr`` for low scores); (2) similarity to the memory of
    tracklets and backdrops (unmatched detections of the last
    ``memo_backdrop_frames`` frames): bi-softmax ``(softmax_rows +
    softmax_cols) / 2`` of embedding dot products, or cosine; zero across
    classes when ``with_cats``; (3) greedy matching in score order: a
    detection takes its best memory entry if the similarity exceeds
    ``match_score_thr`` and the entry is a tracklet (a low-score detection
    matching a tracklet above ``nms_conf_thr`` is suppressed instead);
    (4) new tracklets from unmatched detections above ``init_score_thr``;
    (5) memory update: EMA of embeddings (``memo_momentum`` on the new one),
    velocity, backdrops; tracklets unseen for ``memo_tracklet_frames`` frames
    are forgotten.

    Args:
        init_score_thr: score to start a tracklet. Defaults to 0.8.
        obj_score_thr: score to take part as an object. Defaults to 0.5.
        match_score_thr: minimum similarity of a match. Defaults to 0.5.
        memo_tracklet_frames: frames a lost tracklet stays in memory. Defaults to 10.
        memo_backdrop_frames: frames backdrops stay in memory. Defaults to 1.
        memo_momentum: weight of the new embedding in the EMA. Defaults to 0.8.
        nms_conf_thr: similarity above which a low-score detection matching a
            tracklet is suppressed. Defaults to 0.5.
        nms_backdrop_iou_thr: duplicate IoU for low-score detections and
            backdrops. Defaults to 0.3.
        nms_class_iou_thr: duplicate IoU for confident detections. Defaults to 0.7.
        with_cats: match only within a class. Defaults to True.
        match_metric: ``'bisoftmax'`` or ``'cosine'``. Defaults to ``'bisoftmax'``.
    """

    def __init__(
        self,
        init_score_thr: float = 0.8,
        obj_score_thr: float = 0.5,
        match_score_thr: float = 0.5,
        memo_tracklet_frames: int = 10,
        memo_backdrop_frames: int = 1,
        memo_momentum: float = 0.8,
        nms_conf_thr: float = 0.5,
        nms_backdrop_iou_thr: float = 0.3,
        nms_class_iou_thr: float = 0.7,
        with_cats: bool = True,
        match_metric: str = "bisoftmax",
    ) -> None:
        super().__init__(None, memo_tracklet_frames)
        if match_metric not in ("bisoftmax", "cosine"):
            raise ValueError(f"QuasiDenseTracker: unknown match_metric {match_metric!r}")
        self.init_score_thr = init_score_thr
        self.obj_score_thr = obj_score_thr
        self.match_score_thr = match_score_thr
        self.memo_tracklet_frames = memo_tracklet_frames
        self.memo_backdrop_frames = memo_backdrop_frames
        self.memo_momentum = memo_momentum
        self.nms_conf_thr = nms_conf_thr
        self.nms_backdrop_iou_thr = nms_backdrop_iou_thr
        self.nms_class_iou_thr = nms_class_iou_thr
        self.with_cats = with_cats
        self.match_metric = match_metric
        self.backdrops: list[dict[str, np.ndarray]] = []

    def reset(self) -> None:
        super().reset()
        self.backdrops = []

    def _memo(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Embeddings, labels and ids (-1 for backdrops) of the memory."""
        embeds, labels, ids = [], [], []
        if not self.empty:
            embeds.append(self.tracks["embeds"])
            labels.append(self.tracks["labels"])
            ids.append(self.tracks["ids"])
        for b in self.backdrops:
            embeds.append(b["embeds"])
            labels.append(b["labels"])
            ids.append(np.full(len(b["labels"]), -1, dtype=np.int64))
        if not embeds:
            return np.zeros((0, 0)), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        return np.concatenate(embeds), np.concatenate(labels), np.concatenate(ids)

    def update(
        self,
        bboxes: np.ndarray,
        scores: np.ndarray,
        labels: np.ndarray,
        frame_id: int,
        embeds: np.ndarray | None = None,
        **kwargs: Any,
    ) -> dict[str, np.ndarray]:
        """Run one frame of QDTrack's association.

        Args:
            embeds: ``(N, C)`` quasi-dense embeddings of the detections (required).
        """
        if embeds is None:
            raise ValueError("QuasiDenseTracker needs `embeds` for every detection")
        embeds = np.asarray(embeds, dtype=np.float64).reshape(len(bboxes), -1)
        # 1. Score order and duplicate removal.
        order = np.argsort(-scores, kind="stable")
        bboxes, scores, labels, embeds = bboxes[order], scores[order], labels[order], embeds[order]
        n = len(bboxes)
        ious = iou_matrix(bboxes, bboxes)
        thr = np.where(
            scores < self.obj_score_thr, self.nms_backdrop_iou_thr, self.nms_class_iou_thr
        )
        dup = (np.tril(ious, k=-1) > thr[:, None]).any(axis=1)
        keep = ~dup
        bboxes, scores, labels, embeds = bboxes[keep], scores[keep], labels[keep], embeds[keep]
        n = len(bboxes)
        ids = np.full(n, -1, dtype=np.int64)

        # 2-3. Similarity to the memory and greedy matching in score order.
        memo_embeds, memo_labels, memo_ids = self._memo()
        if n and len(memo_ids):
            feats = embeds @ memo_embeds.T
            if self.match_metric == "bisoftmax":
                sim = (_softmax(feats, axis=1) + _softmax(feats, axis=0)) / 2
            else:
                a = embeds / np.maximum(np.linalg.norm(embeds, axis=1, keepdims=True), 1e-12)
                b = memo_embeds / np.maximum(
                    np.linalg.norm(memo_embeds, axis=1, keepdims=True), 1e-12
                )
                sim = a @ b.T
            if self.with_cats:
                sim = sim * (labels[:, None] == memo_labels[None, :])
            for i in range(n):
                j = int(np.argmax(sim[i]))
                conf, tid = sim[i, j], memo_ids[j]
                if conf > self.match_score_thr and tid > -1:
                    if scores[i] > self.obj_score_thr:
                        ids[i] = tid
                        sim[:i, j] = 0
                        sim[i + 1 :, j] = 0
                    elif conf > self.nms_conf_thr:
                        ids[i] = -2  # a weak duplicate of a tracked object
        # 4. New tracklets.
        new = (ids == -1) & (scores > self.init_score_thr)
        ids[new] = self._new_ids(int(new.sum()))
        # 5. Memory update.
        self._update_memory(ids, bboxes, scores, labels, embeds, frame_id)
        out = ids > -1
        return self._output(bboxes[out], scores[out], labels[out], ids[out])

    def _update_memory(
        self,
        ids: np.ndarray,
        bboxes: np.ndarray,
        scores: np.ndarray,
        labels: np.ndarray,
        embeds: np.ndarray,
        frame_id: int,
    ) -> None:
        t = self.tracks
        tracked = np.flatnonzero(ids > -1)
        known = np.zeros(len(tracked), dtype=bool)
        if not self.empty and len(tracked):
            pos = {int(v): k for k, v in enumerate(t["ids"])}
            rows = np.array([pos.get(int(i), -1) for i in ids[tracked]])
            known = rows >= 0
            r, d = rows[known], tracked[known]
            dt = (frame_id - t["last_frame"][r]).astype(np.float64)
            velocity = (bboxes[d] - t["bboxes"][r]) / dt[:, None]
            acc = t["acc_frame"][r] + 1
            t["velocity"][r] = (t["velocity"][r] * (acc - 1)[:, None] + velocity) / acc[:, None]
            t["acc_frame"][r] = acc
            t["bboxes"][r] = bboxes[d]
            t["embeds"][r] = (1 - self.memo_momentum) * t["embeds"][r] + (
                self.memo_momentum * embeds[d]
            )
            t["labels"][r] = labels[d]
            t["scores"][r] = scores[d]
            t["last_frame"][r] = frame_id
        fresh = tracked[~known]
        if len(fresh):
            t.add(
                ids=ids[fresh],
                bboxes=bboxes[fresh],
                scores=scores[fresh],
                labels=labels[fresh],
                embeds=embeds[fresh],
                last_frame=np.full(len(fresh), frame_id, dtype=np.int64),
                velocity=np.zeros((len(fresh), 4)),
                acc_frame=np.zeros(len(fresh), dtype=np.int64),
            )
        # Backdrops: unmatched detections not overlapping a higher-scored one.
        back = np.flatnonzero(ids == -1)
        if len(back):
            ious = iou_matrix(bboxes[back], bboxes)
            ok = np.array(
                [not (ious[k, :b] > self.nms_backdrop_iou_thr).any() for k, b in enumerate(back)]
            )
            back = back[ok]
        self.backdrops.insert(
            0, dict(bboxes=bboxes[back], embeds=embeds[back], labels=labels[back])
        )
        del self.backdrops[self.memo_backdrop_frames :]
        if not self.empty:
            t.keep(frame_id - t["last_frame"] < self.memo_tracklet_frames)
