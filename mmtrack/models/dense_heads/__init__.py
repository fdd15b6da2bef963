
from .yolox_head import YOLOXHead
