
from .single_stage import SingleStageDetector
from .yolox import YOLOX
