"""RoI heads of two-stage detectors."""

from .base_roi_head import BaseRoIHead
from .bbox_heads import (
    BBoxHead,
    ConvFCBBoxHead,
    SelsaBBoxHead,
    Shared2FCBBoxHead,
    Shared4Conv1FCBBoxHead,
)
from .mask_heads import FCNMaskHead, mask_target, paste_masks_in_image
from .roi_extractors import BaseRoIExtractor, SingleRoIExtractor, TemporalRoIAlign
from .selsa_roi_head import SelsaRoIHead
from .standard_roi_head import StandardRoIHead
