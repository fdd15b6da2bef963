"""Feature aggregators of the video object detectors (FGFA, SELSA)."""

from .embed_aggregator import EmbedAggregator
from .selsa_aggregator import SelsaAggregator

__all__ = ["EmbedAggregator", "SelsaAggregator"]
