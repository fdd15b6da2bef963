"""Mask heads of the R-CNN stage."""

from .fcn_mask_head import FCNMaskHead
from .mask_target import mask_target, paste_masks_in_image
