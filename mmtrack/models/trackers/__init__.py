"""Stateful trackers (not ``nn.Module``s), registered in ``MODELS``."""

from .base_tracker import BaseTracker
from .byte_tracker import ByteTracker
from .ocsort_tracker import OCSORTTracker
from .sort_tracker import SORTTracker
from .track_store import TrackStore

__all__ = ["BaseTracker", "ByteTracker", "OCSORTTracker", "SORTTracker", "TrackStore"]
