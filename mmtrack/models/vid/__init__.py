"""Video object detectors (DFF, FGFA, SELSA, Temporal RoI Align)."""

from .base import BaseVideoDetector
from .selsa import SELSA

__all__ = ["SELSA", "BaseVideoDetector"]
