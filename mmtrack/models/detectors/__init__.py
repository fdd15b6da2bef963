from .faster_rcnn import FasterRCNN
from .mask_rcnn import MaskRCNN
from .single_stage import SingleStageDetector
from .two_stage import TwoStageDetector
from .yolox import YOLOX
