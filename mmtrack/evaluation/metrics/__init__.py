"""Evaluation metrics registered in ``mmtrack.registry.METRICS``."""

from .base_video_metric import BaseVideoMetric
from .coco_video_metric import CocoVideoMetric
from .mot_challenge_metric import MOTChallengeMetric
from .reid_metrics import ReIDMetrics
from .sot_metric import SOTMetric
from .youtube_vis_metric import YouTubeVISMetric

__all__ = [
    "BaseVideoMetric",
    "CocoVideoMetric",
    "MOTChallengeMetric",
    "ReIDMetrics",
    "SOTMetric",
    "YouTubeVISMetric",
]
