from .base import BaseSingleObjectTracker
