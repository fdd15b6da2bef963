"""StrongSORT meta-architecture."""

from __future__ import annotations

from typing import Any, Optional

from mmtrack.registry import MODELS

from .base import BaseMOTModel


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
        kalman: Kalman filter config (MMTracking's name of ``motion``), given
            to the tracker when its config has none. Defaults to None.
        motion: another name of ``kalman`` (used when ``kalman`` is None).
            Defaults to None.
        **kwargs: the other arguments of :class:`BaseMOTModel`
            (``detector``, ``reid``, ``tracker``, ``cmc``, ``reid_crop_cfg``,
            ``data_preprocessor``, ``init_cfg``).
    """

    def __init__(
        self, kalman: Optional[dict] = None, motion: Optional[dict] = None, **kwargs: Any
    ) -> None:
        super().__init__(motion=kalman if kalman is not None else motion, **kwargs)

    @property
    def kalman(self) -> Any:
        """The Kalman filter (``motion``)."""
        return self.motion

    @property
    def with_kalman_filter(self) -> bool:
        """Whether the tracker has a Kalman filter."""
        return getattr(self.tracker, "motion", None) is not None
