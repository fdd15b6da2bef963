"""Deep OC-SORT's tracker (Maggiolino et al., ICIP 2023)."""

from __future__ import annotations

from typing import Any

import numpy as np

from mmtrack.registry import MODELS, TASK_UTILS

from .ocsort_tracker import OCSORTTracker


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)


@MODELS.register_module()
class DeepOCSORTTracker(OCSORTTracker):
    """OC-SORT with camera motion compensation, dynamic appearance and adaptive weighting.

    On top of :class:`OCSORTTracker`: (a) CMC moves Kalman states and stored
    observations by the estimated camera motion; (b) the OCM cost subtracts
    the cosine similarity of track and detection embeddings weighted by
    ``appearance_weight`` plus the adaptive bonus (AW): for each track and
    each detection, half the gap between its best and second-best similarity,
    capped at ``aw_epsilon``; (c) track embeddings are updated with a
    confidence-dependent EMA (DA): ``alpha = alpha_fixed + (1 - alpha_fixed)
    * (1 - (score - init_track_thr) / (1 - init_track_thr))``, so low-score
    detections barely change the appearance.

    Args:
        cmc: camera motion compensation config, or None. Defaults to None.
        with_reid: use ``embeds``. Defaults to True.
        appearance_weight: base weight of the appearance similarity. Defaults to 0.75.
        aw_epsilon: cap of the adaptive weighting bonus. Defaults to 0.5.
        alpha_fixed: EMA factor for the most confident detections. Defaults to 0.95.
        **kwargs: :class:`OCSORTTracker` arguments.
    """

    def __init__(
        self,
        cmc: dict | None = None,
        with_reid: bool = True,
        appearance_weight: float = 0.75,
        aw_epsilon: float = 0.5,
        alpha_fixed: float = 0.95,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.cmc = TASK_UTILS.build(cmc) if isinstance(cmc, dict) else cmc
        self.with_reid = with_reid
        self.appearance_weight = appearance_weight
        self.aw_epsilon = aw_epsilon
        self.alpha_fixed = alpha_fixed
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
        """Run one frame.

        Args:
            img: the frame (BGR uint8), needed when ``cmc`` is set.
            embeds: ``(N, C)`` detection embeddings, needed when ``with_reid``.
        """
        if self.with_reid and embeds is None:
            raise ValueError("DeepOCSORTTracker with_reid=True needs `embeds` for every detection")
        if self.cmc is not None and img is None:
            raise ValueError("DeepOCSORTTracker with cmc needs the frame `img`")
        if embeds is not None:
            embeds = _unit(np.asarray(embeds, dtype=np.float64))
        prev_img, self._prev_img = self._prev_img, img
        return super().update(
            bboxes, scores, labels, frame_id, img=img, prev_img=prev_img, embeds=embeds
        )

    def _new_track_fields(self, det_idx: np.ndarray, frame: dict[str, Any]) -> dict:
        if not self.with_reid:
            return {}
        return dict(embeds=frame["embeds"][det_idx])

    def _compensate_camera(self, frame: dict[str, Any]) -> None:
        if self.cmc is None or frame.get("prev_img") is None:
            return
        t = self.tracks
        warp = self.cmc.get_warp_matrix(frame["img"], frame["prev_img"])
        t["mean"], t["cov"] = self.cmc.warp_states(t["mean"], t["cov"], warp)
        t["saved_mean"], t["saved_cov"] = self.cmc.warp_states(
            t["saved_mean"], t["saved_cov"], warp
        )
        t["bboxes"] = self.cmc.warp_bboxes(t["bboxes"], warp)
        hist = t["hist"]
        flat = hist.reshape(-1, 4)
        ok = ~np.isnan(flat[:, 0])
        flat[ok] = self.cmc.warp_bboxes(flat[ok], warp)
        t["hist"] = flat.reshape(hist.shape)

    def _pair_bonus(
        self,
        rows: np.ndarray,
        det_rows: np.ndarray,
        i: np.ndarray,
        j: np.ndarray,
        frame: dict[str, Any],
    ) -> np.ndarray | None:
        if not self.with_reid:
            return None
        sim = self.tracks["embeds"][rows] @ frame["embeds"][det_rows].T  # (K, N)
        bonus = np.zeros_like(sim)
        eps = self.aw_epsilon
        if sim.shape[1] >= 2:
            top2 = -np.sort(-sim, axis=1)[:, :2]
            bonus += np.minimum(top2[:, 0] - top2[:, 1], eps)[:, None] / 2
        if sim.shape[0] >= 2:
            top2 = -np.sort(-sim, axis=0)[:2]
            bonus += np.minimum(top2[0] - top2[1], eps)[None, :] / 2
        weight = self.appearance_weight + bonus
        return (weight * sim)[i, j]

    def _after_update(self, rows: np.ndarray, det_idx: np.ndarray, frame: dict[str, Any]) -> None:
        if not self.with_reid or len(rows) == 0:
            return
        t = self.tracks
        thr = self.init_track_thr
        trust = (frame["scores"][det_idx] - thr) / (1 - thr)
        alpha = self.alpha_fixed + (1 - self.alpha_fixed) * (1 - np.clip(trust, 0, 1))
        e = alpha[:, None] * t["embeds"][rows] + (1 - alpha[:, None]) * frame["embeds"][det_idx]
        t["embeds"][rows] = _unit(e)
