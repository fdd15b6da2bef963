"""COCO-style still images as one-frame SOT videos (training only)."""

from __future__ import annotations

import contextlib
import io
import os.path as osp

import numpy as np
from mmengine.fileio import get_local_path
from pycocotools.coco import COCO

from mmtrack.registry import DATASETS

from .base_sot_dataset import BaseSOTDataset


def load_coco(ann_file: str) -> COCO:
    """Load a COCO json (any mmengine file backend) without pycocotools' prints."""
    with get_local_path(ann_file) as local_path, contextlib.redirect_stdout(io.StringIO()):
        return COCO(local_path)


@DATASETS.register_module()
class SOTCocoDataset(BaseSOTDataset):
    """COCO (or ImageNet DET converted to COCO) for SOT training.

    Every non-crowd object annotation is a "video" of one frame: template and
    search frames are the same image (``PairSampling`` and the crops make them
    differ), and the negatives come from other annotations.

    Args:
        ann_file (str): COCO json.
        **kwargs: See :class:`BaseSOTDataset`.
    """

    def load_data_list(self) -> list[dict]:
        """One record ``dict(ann_id)`` per non-crowd annotation."""
        if not self.ann_file:
            raise ValueError("SOTCocoDataset needs ann_file (a COCO json)")
        self.coco = load_coco(self.ann_file)
        return [
            dict(ann_id=ann_id)
            for ann_id, ann in self.coco.anns.items()
            if not ann.get("iscrowd", 0)
        ]

    def get_len_per_video(self, video_idx: int) -> int:
        """Always 1: an annotation is a one-frame video."""
        return 1

    def get_video_name(self, video_idx: int) -> str:
        """``<image id>_<annotation id>``."""
        ann = self.coco.anns[self.get_data_info(video_idx)["ann_id"]]
        return f"{ann['image_id']}_{ann['id']}"

    def get_bboxes_from_video(self, video_idx: int) -> np.ndarray:
        """The annotation's box.

        Args:
            video_idx (int): Index of the annotation.

        Returns:
            np.ndarray: ``(1, 4)`` box ``x, y, w, h``.
        """
        ann = self.coco.anns[self.get_data_info(video_idx)["ann_id"]]
        bbox = np.asarray(ann["bbox"], dtype=np.float64).reshape(-1)
        if bbox.shape != (4,):
            raise ValueError(
                f"{self.ann_file}: annotation {ann['id']} bbox must have 4 values, got "
                f"{ann['bbox']!r}"
            )
        return bbox[None]

    def get_img_infos_from_video(self, video_idx: int) -> dict:
        """The image of the annotation as a one-frame video.

        Args:
            video_idx (int): Index of the annotation.

        Returns:
            dict: ``video_id``, ``frame_ids`` ``[0]``, ``img_paths``,
            ``video_length`` 1, ``video_name``.
        """
        ann = self.coco.anns[self.get_data_info(video_idx)["ann_id"]]
        img = self.coco.imgs[ann["image_id"]]
        return dict(
            video_id=video_idx,
            frame_ids=np.arange(1),
            img_paths=[osp.join(self.img_root, img["file_name"])],
            video_length=1,
            video_name=self.get_video_name(video_idx),
        )
