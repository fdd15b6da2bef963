"""Tracking heads on detector features (QDTrack)."""

from .center_head import CenterHead
from .correlation_head import CorrelationHead
from .qdtrack_samplers import CombinedSampler, InstanceBalancedPosSampler
from .quasi_dense_embed_head import QuasiDenseEmbedHead
from .quasi_dense_track_head import QuasiDenseTrackHead
from .siamese_rpn_head import SiameseRPNHead
from .similarity import embed_similarity

__all__ = [
    "CenterHead",
    "CombinedSampler",
    "CorrelationHead",
    "InstanceBalancedPosSampler",
    "QuasiDenseEmbedHead",
    "QuasiDenseTrackHead",
    "SiameseRPNHead",
    "embed_similarity",
]
