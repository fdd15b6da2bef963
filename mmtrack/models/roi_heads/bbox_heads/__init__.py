"""Box heads of the R-CNN stage."""

from .bbox_head import BBoxHead
from .convfc_bbox_head import ConvFCBBoxHead, Shared2FCBBoxHead, Shared4Conv1FCBBoxHead
from .selsa_bbox_head import SelsaBBoxHead
