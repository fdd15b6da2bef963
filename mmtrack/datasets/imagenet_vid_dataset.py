"""ImageNet VID (and the 30 overlapping DET classes) dataset."""

from __future__ import annotations

from mmtrack.registry import DATASETS

from .base_video_dataset import BaseVideoDataset

IMAGENET_VID_CLASSES = (
    "airplane", "antelope", "bear", "bicycle", "bird", "bus", "car", "cattle", "dog",
    "domestic_cat", "elephant", "fox", "giant_panda", "hamster", "horse", "lion", "lizard",
    "monkey", "motorcycle", "rabbit", "red_panda", "sheep", "snake", "squirrel", "tiger",
    "train", "turtle", "watercraft", "whale", "zebra",
)  # fmt: skip


@DATASETS.register_module()
class ImagenetVIDDataset(BaseVideoDataset):
    """ImageNet VID for video object detection.

    * ``load_as_video=True``: a VID CocoVID file (``imagenet_vid_train.json``
      / ``imagenet_vid_val.json``); in training only frames with
      ``is_vid_train_frame`` are key frames (MMTracking's subsampling of
      VID training frames); in testing every frame is.
    * ``load_as_video=False``: the DET file (``imagenet_det_30plus1cls.json``,
      plain COCO); images become one-frame videos and, in training, only those
      with ``is_vid_train_frame`` (the images of the 30 VID classes) are used.
      Annotations of ``other_categories`` are not in ``classes`` and skipped.

    Images without ``is_vid_train_frame`` count as training frames.
    """

    METAINFO: dict = dict(classes=IMAGENET_VID_CLASSES)

    def _is_key_frame(self, img_info: dict) -> bool:
        if not super()._is_key_frame(img_info):
            return False
        if self.test_mode:
            return True
        return bool(img_info.get("is_vid_train_frame", True))
