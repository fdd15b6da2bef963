"""Multiple-object-tracking meta-architectures."""

from .base import BaseMOTModel
from .botsort import BoTSORT
from .byte_track import ByteTrack
from .deep_ocsort import DeepOCSORT
from .deep_sort import DeepSORT
from .ocsort import OCSORT
from .qdtrack import QDTrack
from .strong_sort import StrongSORT
from .tracktor import Tracktor

__all__ = [
    "BaseMOTModel",
    "BoTSORT",
    "ByteTrack",
    "DeepOCSORT",
    "DeepSORT",
    "OCSORT",
    "QDTrack",
    "StrongSORT",
    "Tracktor",
]
