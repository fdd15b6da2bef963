"""Re-identification models."""

from .base_reid import BaseReID
from .fc_module import FcModule
from .gap import GlobalAveragePooling
from .linear_reid_head import LinearReIDHead
from .reid_data_preprocessor import ReIDDataPreprocessor

__all__ = [
    "BaseReID",
    "FcModule",
    "GlobalAveragePooling",
    "LinearReIDHead",
    "ReIDDataPreprocessor",
]
