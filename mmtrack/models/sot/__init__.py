
from .base import BaseSingleObjectTracker
