"""Tracking heads on detector features (QDTrack)."""

from .center_head import CenterHead
from .corner_predictor_head import CornerPredictorHead
from .correlation_head import CorrelationHead
from .iounet_head import IouNetHead
from .mask2former_head import Mask2FormerTrackHead
from .mixformer_head import MixFormerHead, MixFormerScoreDecoder
from .prdimp_cls_head import PrDiMPClsHead
from .qdtrack_samplers import CombinedSampler, InstanceBalancedPosSampler
from .quasi_dense_embed_head import QuasiDenseEmbedHead
from .quasi_dense_track_head import QuasiDenseTrackHead
from .roi_embed_head import RoIEmbedHead
from .roi_track_head import RoITrackHead
from .score_head import ScoreHead
from .siamese_rpn_head import SiameseRPNHead
from .similarity import embed_similarity
from .stark_head import StarkHead, StarkTransformer

__all__ = [
    "CenterHead",
    "CombinedSampler",
    "CornerPredictorHead",
    "CorrelationHead",
    "InstanceBalancedPosSampler",
    "IouNetHead",
    "Mask2FormerTrackHead",
    "MixFormerHead",
    "MixFormerScoreDecoder",
    "PrDiMPClsHead",
    "QuasiDenseEmbedHead",
    "QuasiDenseTrackHead",
    "RoIEmbedHead",
    "RoITrackHead",
    "ScoreHead",
    "SiameseRPNHead",
    "StarkHead",
    "StarkTransformer",
    "embed_similarity",
]
