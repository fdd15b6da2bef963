"""Samplers (registered in ``mmtrack.registry.DATA_SAMPLERS``)."""

from .batch_samplers import EntireVideoBatchSampler, TrackAspectRatioBatchSampler
from .quota_sampler import QuotaSampler
from .track_img_sampler import TrackImgSampler, VideoSampler
