"""SORT / DeepSORT meta-architecture."""

from __future__ import annotations

from mmtrack.registry import MODELS

from .base import BaseMOTModel


@MODELS.register_module()
class DeepSORT(BaseMOTModel):
    """Simple online and realtime tracking with a deep association metric.

    `SORT <https://arxiv.org/abs/1602.00763>`_ when ``reid`` is None,
    `DeepSORT <https://arxiv.org/abs/1703.07402>`_ otherwise. Per frame:
    detect (or take the public detections), crop every detection from the
    input image, resize the crops to ``reid_crop_cfg['img_scale']``
    (``(256, 128)`` h, w; MMTracking configs set it in the tracker's
    ``reid`` dict), embed them with the ReID model and hand boxes, scores
    and ``embeds`` to the tracker (``SORTTracker``). Constructor arguments:
    :class:`BaseMOTModel` (``detector``, ``reid``, ``tracker``, ``motion``,
    ``reid_crop_cfg``).
    """
