"""Deep OC-SORT meta-architecture."""

from __future__ import annotations

from mmtrack.registry import MODELS

from .base import BaseMOTModel


@MODELS.register_module()
class DeepOCSORT(BaseMOTModel):
    """Deep OC-SORT: OC-SORT with adaptive appearance and camera-motion compensation.

    Details in `Deep OC-SORT <https://arxiv.org/abs/2302.11813>`_. A detector,
    an optional ReID model and ``DeepOCSORTTracker`` (OC-SORT with dynamic
    appearance, adaptive weighting and camera-motion compensation). The
    frame image (BGR, original size) is handed to the tracker when it
    compensates camera motion; embeddings when a ReID model is set.
    Constructor arguments: :class:`BaseMOTModel` (``detector``, ``reid``,
    ``tracker``, ``motion``, ``cmc``, ``reid_crop_cfg``).
    """
