"""Datasets, samplers and transforms. Importing this package registers them."""

from . import api_wrappers, samplers, transforms  # noqa: F401
from .api_wrappers import COCO, CocoVID
from .base_video_dataset import BaseVideoDataset
from .coco_dataset import CocoDataset
from .dancetrack_dataset import DanceTrackDataset
from .imagenet_vid_dataset import ImagenetVIDDataset
from .mot_challenge_dataset import MOTChallengeDataset
from .multi_image_mix_dataset import MultiImageMixDataset
from .reid_dataset import ReIDDataset
from .youtube_vis_dataset import YouTubeVISDataset
