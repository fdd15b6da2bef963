"""DanceTrack dataset."""

from __future__ import annotations

from mmtrack.registry import DATASETS

from .mot_challenge_dataset import MOTChallengeDataset


@DATASETS.register_module()
class DanceTrackDataset(MOTChallengeDataset):
    """DanceTrack (https://github.com/DanceTrack/DanceTrack) on the CocoVID
    files of ``dancetrack2coco.py``: MOTChallenge layout and rules, one
    ``pedestrian`` class."""
