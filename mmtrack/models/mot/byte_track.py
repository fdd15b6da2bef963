"""ByteTrack meta-architecture."""

from __future__ import annotations

from mmtrack.registry import MODELS

from .base import BaseMOTModel


@MODELS.register_module()
class ByteTrack(BaseMOTModel):
    """ByteTrack: multi-object tracking by associating every detection box.

    Details in `ByteTrack <https://arxiv.org/abs/2110.06864>`_. A detector
    (YOLOX in the paper) and ``ByteTracker``. In ``loss`` mode the detector
    is trained on the key frames (as MMDetection 3.x does). Constructor
    arguments: :class:`BaseMOTModel` (``detector``, ``tracker``,
    ``motion``; ``reid`` and ``cmc`` are accepted but unused by
    ``ByteTracker``).
    """
