"""OC-SORT meta-architecture."""

from __future__ import annotations

from mmtrack.registry import MODELS

from .base import BaseMOTModel


@MODELS.register_module()
class OCSORT(BaseMOTModel):
    """OC-SORT: observation-centric SORT.

    Details in `OC-SORT <https://arxiv.org/abs/2203.14360>`_. A detector
    (YOLOX in the paper) and ``OCSORTTracker``. In ``loss`` mode the detector
    is trained on the key frames (as MMDetection 3.x does). Constructor
    arguments: :class:`BaseMOTModel` (``detector``, ``tracker``,
    ``motion``).
    """
