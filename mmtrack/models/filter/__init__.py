"""PrDiMP's online target classifier (MMTracking 1.x ``models/filter``)."""

from .filter_initializer import FilterInitializer
from .filter_ops import apply_feat_transpose, apply_filter
from .prdimp_filter_optimizer import PrDiMPFilterOptimizer

__all__ = ["FilterInitializer", "PrDiMPFilterOptimizer", "apply_feat_transpose", "apply_filter"]
