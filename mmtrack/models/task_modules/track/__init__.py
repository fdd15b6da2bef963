"""Association helpers: similarities, linear assignment, interpolation."""

from .aflink import AFLink, AFLinkModel, make_link_samples, train_aflink
from .assignment import linear_assignment, linear_assignment_sparse, match_pairs
from .similarity import cosine_distance, iou_matrix, iou_pairs, overlapping_pairs

__all__ = [
    "AFLink",
    "AFLinkModel",
    "make_link_samples",
    "train_aflink",
    "cosine_distance",
    "iou_matrix",
    "iou_pairs",
    "linear_assignment",
    "linear_assignment_sparse",
    "match_pairs",
    "overlapping_pairs",
]
