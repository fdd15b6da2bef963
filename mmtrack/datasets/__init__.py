"""Datasets, samplers and transforms. Importing this package registers them."""

from . import api_wrappers, samplers, transforms  # noqa: F401
from .api_wrappers import COCO, CocoVID
from .base_video_dataset import BaseVideoDataset
