"""Association helpers: similarities, linear assignment, interpolation."""

from .assignment import linear_assignment
from .similarity import cosine_distance, iou_matrix

__all__ = ["cosine_distance", "iou_matrix", "linear_assignment"]
