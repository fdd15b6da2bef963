"""ByteTrack meta-architecture."""

from __future__ import annotations

from typing import Optional, Union

from mmtrack.registry import MODELS, TASK_UTILS

from .base import BaseMOTModel


@MODELS.register_module()
class ByteTrack(BaseMOTModel):
    """ByteTrack: multi-object tracking by associating every detection box.

    Details in `ByteTrack <https://arxiv.org/abs/2110.06864>`_. A detector
    (YOLOX in the paper) and ``ByteTracker``. In ``loss`` mode the detector
    is trained on the key frames (as MMDetection 3.x does).

    Args:
        detector: detector config, or None to track public detections. Defaults to None.
        tracker: tracker config (``ByteTracker``). Defaults to None.
        motion: motion model config, given to the tracker when its config
            has none. Defaults to None.
        data_preprocessor: data preprocessor config. Defaults to None.
        init_cfg: initialisation config. Defaults to None.
    """

    def __init__(
        self,
        detector: Optional[dict] = None,
        tracker: Optional[dict] = None,
        motion: Optional[dict] = None,
        data_preprocessor: Optional[dict] = None,
        init_cfg: Union[dict, list, None] = None,
    ) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if detector is not None:
            self.detector = MODELS.build(detector)
        self.motion = TASK_UTILS.build(motion) if motion is not None else None
        self.tracker = self.build_tracker(tracker, motion=self.motion)
