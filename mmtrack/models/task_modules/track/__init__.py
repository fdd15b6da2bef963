"""Association helpers: similarities, linear assignment, interpolation."""

from .assignment import linear_assignment, linear_assignment_sparse
from .similarity import cosine_distance, iou_matrix, iou_pairs, overlapping_pairs

__all__ = [
    "cosine_distance",
    "iou_matrix",
    "iou_pairs",
    "linear_assignment",
    "linear_assignment_sparse",
    "overlapping_pairs",
]
