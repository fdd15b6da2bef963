"""Association helpers: similarities, linear assignment, tracklet linking."""

from .aflink import AFLink, AFLinkModel, AppearanceFreeLink, pad_and_normalize
from .aflink_training import make_link_samples, train_aflink
from .assignment import linear_assignment, linear_assignment_sparse, match_pairs
from .similarity import cosine_distance, iou_matrix, iou_pairs, overlapping_pairs

__all__ = [
    "AFLink",
    "AFLinkModel",
    "AppearanceFreeLink",
    "make_link_samples",
    "pad_and_normalize",
    "train_aflink",
    "cosine_distance",
    "iou_matrix",
    "iou_pairs",
    "linear_assignment",
    "linear_assignment_sparse",
    "match_pairs",
    "overlapping_pairs",
]
