"""Video instance segmentation meta-architectures."""

from .masktrack_rcnn import MaskTrackRCNN

__all__ = ["MaskTrackRCNN"]
