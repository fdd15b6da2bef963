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
