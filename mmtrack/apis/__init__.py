"""High-level Python API."""

from .track_detections import (
    build_tracker,
    load_mot_detections,
    track_detection_files,
    track_sequence,
    write_mot_results,
)

__all__ = [
    "build_tracker",
    "load_mot_detections",
    "track_detection_files",
    "track_sequence",
    "write_mot_results",
]

from .inference import (
    build_test_pipeline,
    inference_mot,
    inference_sot,
    inference_vid,
    init_model,
    load_image,
)
from .video import VideoFrames, track_video

__all__ += [
    "VideoFrames",
    "build_test_pipeline",
    "inference_mot",
    "inference_sot",
    "inference_vid",
    "init_model",
    "load_image",
    "track_video",
]
