"""YOLOX detector."""

from __future__ import annotations

from mmtrack.registry import MODELS

from .single_stage import SingleStageDetector


@MODELS.register_module()
class YOLOX(SingleStageDetector):
    """YOLOX (Ge et al., 2021): CSPDarknet + YOLOXPAFPN + YOLOXHead.

    A :class:`SingleStageDetector`; multi-scale training lives in the data
    preprocessor (``BatchSyncRandomResize`` batch augment), the augmentation
    switch and the extra L1 loss in :class:`YOLOXModeSwitchHook`.
    """
