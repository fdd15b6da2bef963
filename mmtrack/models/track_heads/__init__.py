"""Tracking heads on detector features (QDTrack)."""

from .center_head import CenterHead
from .qdtrack_samplers import CombinedSampler, InstanceBalancedPosSampler
from .quasi_dense_embed_head import QuasiDenseEmbedHead
from .quasi_dense_track_head import QuasiDenseTrackHead
from .similarity import embed_similarity

__all__ = [
    "CenterHead",
    "CombinedSampler",
    "InstanceBalancedPosSampler",
    "QuasiDenseEmbedHead",
    "QuasiDenseTrackHead",
    "embed_similarity",
]
