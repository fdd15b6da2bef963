"""Video instance segmentation meta-architectures."""

from .mask2former import Mask2Former
from .masktrack_rcnn import MaskTrackRCNN

__all__ = ["Mask2Former", "MaskTrackRCNN"]
