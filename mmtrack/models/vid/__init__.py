"""Video object detectors (DFF, FGFA, SELSA, Temporal RoI Align)."""

from .base import BaseVideoDetector
from .dff import DFF
from .fgfa import FGFA
from .selsa import SELSA

__all__ = ["DFF", "FGFA", "SELSA", "BaseVideoDetector"]
