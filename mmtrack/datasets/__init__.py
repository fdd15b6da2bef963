"""Datasets, samplers and transforms. Importing this package registers them."""

from . import api_wrappers, samplers, transforms  # noqa: F401
from .api_wrappers import COCO, CocoVID
from .base_sot_dataset import BaseSOTDataset
from .base_video_dataset import BaseVideoDataset
from .coco_dataset import CocoDataset
from .concat_dataset import ConcatDataset
from .dancetrack_dataset import DanceTrackDataset
from .got10k_dataset import GOT10kDataset
from .imagenet_vid_dataset import ImagenetVIDDataset
from .lasot_dataset import LaSOTDataset
from .mot_challenge_dataset import MOTChallengeDataset
from .multi_image_mix_dataset import MultiImageMixDataset
from .otb_dataset import OTB100Dataset
from .random_sample_concat_dataset import RandomSampleConcatDataset
from .reid_dataset import ReIDDataset
from .sot_coco_dataset import SOTCocoDataset
from .sot_imagenet_vid_dataset import SOTImageNetVIDDataset
from .trackingnet_dataset import TrackingNetDataset
from .uav123_dataset import UAV123Dataset
from .vot_dataset import VOTDataset
from .youtube_vis_dataset import YouTubeVISDataset
