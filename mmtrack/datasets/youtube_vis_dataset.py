"""YouTube-VIS 2019 / 2021 dataset."""

from __future__ import annotations

from typing import Any, Optional

from mmtrack.registry import DATASETS

from .base_video_dataset import BaseVideoDataset

YOUTUBE_VIS_2019_CLASSES = (
    "person", "giant_panda", "lizard", "parrot", "skateboard", "sedan", "ape", "dog", "snake",
    "monkey", "hand", "rabbit", "duck", "cat", "cow", "fish", "train", "horse", "turtle", "bear",
    "motorbike", "giraffe", "leopard", "fox", "deer", "owl", "surfboard", "airplane", "truck",
    "zebra", "tiger", "elephant", "snowboard", "boat", "shark", "mouse", "frog", "eagle",
    "earless_seal", "tennis_racket",
)  # fmt: skip

YOUTUBE_VIS_2021_CLASSES = (
    "airplane", "bear", "bird", "boat", "car", "cat", "cow", "deer", "dog", "duck",
    "earless_seal", "elephant", "fish", "flying_disc", "fox", "frog", "giant_panda", "giraffe",
    "horse", "leopard", "lizard", "monkey", "motorbike", "mouse", "parrot", "person", "rabbit",
    "shark", "skateboard", "snake", "snowboard", "squirrel", "surfboard", "tennis_racket",
    "tiger", "train", "truck", "turtle", "whale", "zebra",
)  # fmt: skip

YOUTUBE_VIS_CLASSES = {"2019": YOUTUBE_VIS_2019_CLASSES, "2021": YOUTUBE_VIS_2021_CLASSES}


@DATASETS.register_module()
class YouTubeVISDataset(BaseVideoDataset):
    """YouTube-VIS for video instance segmentation (CocoVID files of
    ``youtubevis2coco.py``; masks as polygons or RLE in ``segmentation``).

    Args:
        dataset_version: ``'2019'`` or ``'2021'``: selects the 40 classes.
        metainfo: extra meta information (``classes`` overrides the version's).
            Defaults to None.
        **kwargs: :class:`BaseVideoDataset` arguments.
    """

    def __init__(self, dataset_version: str, metainfo: Optional[dict] = None, **kwargs: Any):
        version = str(dataset_version)
        if version not in YOUTUBE_VIS_CLASSES:
            raise ValueError(
                f"YouTubeVISDataset: 'dataset_version' must be '2019' or '2021', got {version!r}"
            )
        self.dataset_version = version
        meta = dict(classes=YOUTUBE_VIS_CLASSES[version])
        meta.update(metainfo or {})
        super().__init__(metainfo=meta, **kwargs)
