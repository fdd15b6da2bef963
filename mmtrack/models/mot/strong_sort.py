"""StrongSORT meta-architecture."""

from __future__ import annotations

from typing import Optional, Union

from mmtrack.registry import MODELS, TASK_UTILS

from .base import BaseMOTModel, resolve_warp_mode


@MODELS.register_module()
class StrongSORT(BaseMOTModel):
    """StrongSORT: DeepSORT made strong again.

    Details in `StrongSORT <https://arxiv.org/abs/2202.13514>`_. A detector,
    a ReID model and ``StrongSORTTracker`` (EMA appearance bank, NSA Kalman
    filter, ECC camera-motion compensation). The frame image (BGR, original
    size) is handed to the tracker when it compensates camera motion. The
    "++" post-processing (AFLink, GSI) works on whole tracks and is set in
    the evaluator (``MOTChallengeMetric`` ``postprocess_tracklet_cfg`` /
    ``interpolate_tracks_cfg``).

    Args:
        detector: detector config, or None for public detections. Defaults to None.
        reid: ReID model config, or None (motion only). Defaults to None.
        tracker: tracker config (``StrongSORTTracker``). Defaults to None.
        kalman: Kalman filter config, given to the tracker as ``motion``
            when its config has none. Defaults to None.
        cmc: camera-motion-compensation config, given to the tracker when
            its config has none. Defaults to None.
        motion: another name of ``kalman`` (used when ``kalman`` is None).
            Defaults to None.
        reid_crop_cfg: ``img_scale`` ``(h, w)`` and ``img_norm_cfg`` of the
            ReID crops; None reads them from the tracker's ``reid`` dict.
            Defaults to None.
        data_preprocessor: data preprocessor config. Defaults to None.
        init_cfg: initialisation config. Defaults to None.
    """

    def __init__(
        self,
        detector: Optional[dict] = None,
        reid: Optional[dict] = None,
        tracker: Optional[dict] = None,
        kalman: Optional[dict] = None,
        cmc: Optional[dict] = None,
        motion: Optional[dict] = None,
        reid_crop_cfg: Optional[dict] = None,
        data_preprocessor: Optional[dict] = None,
        init_cfg: Union[dict, list, None] = None,
    ) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if detector is not None:
            self.detector = MODELS.build(detector)
        if reid is not None:
            self.reid = MODELS.build(reid)
        kalman = kalman if kalman is not None else motion
        self.kalman = TASK_UTILS.build(kalman) if kalman is not None else None
        self.reid_crop_cfg = reid_crop_cfg
        self.cmc = TASK_UTILS.build(resolve_warp_mode(dict(cmc))) if cmc is not None else None
        self.tracker = self.build_tracker(tracker, motion=self.kalman, cmc=self.cmc)

    @property
    def with_cmc(self) -> bool:
        """Whether camera motion is compensated."""
        return getattr(self.tracker, "cmc", None) is not None

    @property
    def with_kalman_filter(self) -> bool:
        """Whether the tracker has a Kalman filter."""
        return getattr(self.tracker, "motion", None) is not None
