"""BoT-SORT meta-architecture."""

from __future__ import annotations

from mmtrack.registry import MODELS

from .base import BaseMOTModel


@MODELS.register_module()
class BoTSORT(BaseMOTModel):
    """BoT-SORT: robust associations multi-pedestrian tracking.

    Details in `BoT-SORT <https://arxiv.org/abs/2206.14651>`_. A detector,
    an optional ReID model and ``BoTSORTTracker`` (x-y-w-h Kalman filter,
    camera-motion compensation, IoU/appearance fusion). The frame image
    (BGR, original size) is handed to the tracker when it compensates
    camera motion; embeddings when a ReID model is set. Constructor
    arguments: :class:`BaseMOTModel` (``detector``, ``reid``, ``tracker``,
    ``motion``, ``cmc``, ``reid_crop_cfg``).
    """
