"""Data contract between components: samples and box helpers."""

from .bbox import *  # noqa: F403
from .bbox import __all__ as _bbox_all
from .det_data_sample import DetDataSample, OptSampleList, SampleList
from .reid_data_sample import ReIDDataSample
from .track_data_sample import TrackDataSample, TrackSampleList

__all__ = [
    "DetDataSample",
    "OptSampleList",
    "ReIDDataSample",
    "SampleList",
    "TrackDataSample",
    "TrackSampleList",
    *_bbox_all,
]
