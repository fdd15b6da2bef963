"""Deep OC-SORT meta-architecture."""

from __future__ import annotations

from typing import Optional, Union

from mmtrack.registry import MODELS, TASK_UTILS

from .base import BaseMOTModel, resolve_warp_mode


@MODELS.register_module()
class DeepOCSORT(BaseMOTModel):
    """Deep OC-SORT: OC-SORT with adaptive appearance and camera-motion compensation.

    Details in `Deep OC-SORT <https://arxiv.org/abs/2302.11813>`_. A detector,
    an optional ReID model and ``DeepOCSORTTracker`` (OC-SORT with dynamic
    appearance, adaptive weighting and camera-motion compensation). The frame image
    (BGR, original size) is handed to the tracker when it compensates
    camera motion; embeddings when a ReID model is set.

    Args:
        detector: detector config, or None for public detections. Defaults to None.
        reid: ReID model config, or None (motion only). Defaults to None.
        tracker: tracker config (``DeepOCSORTTracker``). Defaults to None.
        motion: Kalman filter config, given to the tracker when its config
            has none. Defaults to None.
        cmc: camera-motion-compensation config, given to the tracker when
            its config has none. Defaults to None.
        reid_crop_cfg: ``img_scale`` ``(h, w)`` and ``img_norm_cfg`` of the
            ReID crops; None reads them from the tracker's ``reid`` dict
            (MMTracking), else ``(256, 128)`` without renormalisation.
            Defaults to None.
        data_preprocessor: data preprocessor config. Defaults to None.
        init_cfg: initialisation config. Defaults to None.
    """

    def __init__(
        self,
        detector: Optional[dict] = None,
        reid: Optional[dict] = None,
        tracker: Optional[dict] = None,
        motion: Optional[dict] = None,
        cmc: Optional[dict] = None,
        reid_crop_cfg: Optional[dict] = None,
        data_preprocessor: Optional[dict] = None,
        init_cfg: Union[dict, list, None] = None,
    ) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if detector is not None:
            self.detector = MODELS.build(detector)
        if reid is not None:
            self.reid = MODELS.build(reid)
        self.reid_crop_cfg = reid_crop_cfg
        self.motion = TASK_UTILS.build(motion) if motion is not None else None
        self.cmc = TASK_UTILS.build(resolve_warp_mode(dict(cmc))) if cmc is not None else None
        self.tracker = self.build_tracker(tracker, motion=self.motion, cmc=self.cmc)

    @property
    def with_cmc(self) -> bool:
        """Whether camera motion is compensated."""
        return getattr(self.tracker, "cmc", None) is not None
