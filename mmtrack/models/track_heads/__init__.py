"""Tracking heads on detector features (QDTrack)."""

from .quasi_dense_embed_head import QuasiDenseEmbedHead
from .quasi_dense_track_head import QuasiDenseTrackHead
from .similarity import embed_similarity

__all__ = ["QuasiDenseEmbedHead", "QuasiDenseTrackHead", "embed_similarity"]
