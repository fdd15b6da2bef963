"""Mask R-CNN (He et al.)."""

from __future__ import annotations

from typing import Optional, Union

from mmtrack.registry import MODELS

from .two_stage import TwoStageDetector


@MODELS.register_module()
class MaskRCNN(TwoStageDetector):
    """Mask R-CNN: Faster R-CNN whose RoI head also has a mask branch.

    Args: see :class:`TwoStageDetector`.
    """

    def __init__(
        self,
        backbone: dict,
        rpn_head: dict,
        roi_head: dict,
        train_cfg: Optional[dict] = None,
        test_cfg: Optional[dict] = None,
        neck: Optional[dict] = None,
        data_preprocessor: Optional[dict] = None,
        init_cfg: Union[dict, list, None] = None,
    ) -> None:
        super().__init__(
            backbone=backbone,
            neck=neck,
            rpn_head=rpn_head,
            roi_head=roi_head,
            train_cfg=train_cfg,
            test_cfg=test_cfg,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg,
        )
