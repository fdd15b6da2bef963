from .anchor_head import AnchorHead
from .rpn_head import RPNHead
from .yolox_head import YOLOXHead
