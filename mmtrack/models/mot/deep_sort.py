"""SORT / DeepSORT meta-architecture."""

from __future__ import annotations

from typing import Optional, Union

from mmtrack.registry import MODELS, TASK_UTILS

from .base import BaseMOTModel


@MODELS.register_module()
class DeepSORT(BaseMOTModel):
    """Simple online and realtime tracking with a deep association metric.

    `SORT <https://arxiv.org/abs/1602.00763>`_ when ``reid`` is None,
    `DeepSORT <https://arxiv.org/abs/1703.07402>`_ otherwise. Per frame:
    detect (or take the public detections), crop every detection from the
    input image, resize the crops to the tracker's ``reid.img_scale``
    (``(256, 128)`` h, w), embed them with the ReID model and hand boxes,
    scores and ``embeds`` to the tracker (``SORTTracker``).

    Args:
        detector: detector config (Faster R-CNN, YOLOX, ...), or None to
            track public detections only. Defaults to None.
        reid: ReID model config (``BaseReID``), or None for SORT. Defaults to None.
        tracker: tracker config. Defaults to None.
        motion: motion model config (``KalmanFilter``); given to the tracker
            when its config has none (MMTracking 0.14 puts it here). Defaults to None.
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
        self.tracker = self.build_tracker(tracker, motion=self.motion)
