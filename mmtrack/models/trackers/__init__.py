"""Stateful trackers (not ``nn.Module``s), registered in ``MODELS``."""

from .base_tracker import BaseTracker
from .botsort_tracker import BoTSORTTracker
from .byte_tracker import ByteTracker
from .deep_ocsort_tracker import DeepOCSORTTracker
from .masktrack_rcnn_tracker import MaskTrackRCNNTracker
from .ocsort_tracker import OCSORTTracker
from .quasi_dense_tracker import QuasiDenseTracker
from .sort_tracker import SORTTracker
from .strongsort_tracker import StrongSORTTracker
from .track_store import TrackStore
from .tracktor_tracker import TracktorTracker

__all__ = [
    "BaseTracker",
    "BoTSORTTracker",
    "ByteTracker",
    "DeepOCSORTTracker",
    "MaskTrackRCNNTracker",
    "OCSORTTracker",
    "QuasiDenseTracker",
    "SORTTracker",
    "StrongSORTTracker",
    "TrackStore",
    "TracktorTracker",
]
