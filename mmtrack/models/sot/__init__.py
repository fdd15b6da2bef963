from .base import BaseSingleObjectTracker
from .ostrack import OSTrack
