"""Samplers (registered in ``mmtrack.registry.DATA_SAMPLERS``)."""

from .batch_samplers import EntireVideoBatchSampler, TrackAspectRatioBatchSampler
from .track_img_sampler import TrackImgSampler, VideoSampler
