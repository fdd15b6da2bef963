"""RoI feature extractors."""

from .base_roi_extractor import BaseRoIExtractor
from .single_level_roi_extractor import SingleRoIExtractor
from .temporal_roi_align import TemporalRoIAlign
