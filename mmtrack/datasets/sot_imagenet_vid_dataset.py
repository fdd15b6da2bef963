"""ImageNet VID object tracks as SOT videos (training only)."""

from __future__ import annotations

import os.path as osp
from collections import defaultdict

import numpy as np

from mmtrack.registry import DATASETS

from .base_sot_dataset import BaseSOTDataset
from .sot_coco_dataset import load_coco


@DATASETS.register_module()
class SOTImageNetVIDDataset(BaseSOTDataset):
    """ImageNet VID (CocoVID json) for SOT training.

    Every object instance (``video_id``, ``instance_id``) is a video made of the
    frames it is annotated in, in frame order. Frame numbers need not be
    contiguous. An instance is invisible where its annotation is ``occluded``.

    Args:
        ann_file (str): CocoVID json (images with ``video_id``/``frame_id``,
            annotations with ``instance_id``).
        **kwargs: See :class:`BaseSOTDataset`.
    """

    def load_data_list(self) -> list[dict]:
        """One record per instance with its annotation ids in frame order."""
        if not self.ann_file:
            raise ValueError("SOTImageNetVIDDataset needs ann_file (a CocoVID json)")
        self.coco = load_coco(self.ann_file)
        tracks: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
        for ann in self.coco.anns.values():
            img = self.coco.imgs[ann["image_id"]]
            for key in ("video_id", "frame_id"):
                if key not in img:
                    raise ValueError(
                        f"{self.ann_file}: image {img['id']} has no '{key}' (not a CocoVID json)"
                    )
            if "instance_id" not in ann:
                raise ValueError(f"{self.ann_file}: annotation {ann['id']} has no 'instance_id'")
            tracks[(img["video_id"], ann["instance_id"])].append((img["frame_id"], ann["id"]))
        data_list = []
        for (video_id, instance_id), frames in sorted(tracks.items()):
            frames.sort()
            data_list.append(
                dict(
                    vid_id=video_id,
                    instance_id=instance_id,
                    ann_ids=[ann_id for _, ann_id in frames],
                )
            )
        return data_list

    def get_len_per_video(self, video_idx: int) -> int:
        """Number of frames the instance is annotated in."""
        return len(self.get_data_info(video_idx)["ann_ids"])

    def get_video_name(self, video_idx: int) -> str:
        """``<video id>_<instance id>``."""
        info = self.get_data_info(video_idx)
        return f"{info['vid_id']}_{info['instance_id']}"

    def _anns(self, video_idx: int) -> list[dict]:
        return [self.coco.anns[i] for i in self.get_data_info(video_idx)["ann_ids"]]

    def get_bboxes_from_video(self, video_idx: int) -> np.ndarray:
        """Boxes of the instance.

        Args:
            video_idx (int): Index of the instance.

        Returns:
            np.ndarray: ``(N, 4)`` boxes ``x, y, w, h``.
        """
        return np.asarray([a["bbox"] for a in self._anns(video_idx)], dtype=np.float64).reshape(
            -1, 4
        )

    def get_visibility_from_video(self, video_idx: int) -> dict:
        """Visible where the annotation is not ``occluded``.

        Args:
            video_idx (int): Index of the instance.

        Returns:
            dict: ``visible`` ``(N,)`` bool.
        """
        return dict(
            visible=np.array([not a.get("occluded", False) for a in self._anns(video_idx)], bool)
        )

    def get_img_infos_from_video(self, video_idx: int) -> dict:
        """Frames of the instance.

        Args:
            video_idx (int): Index of the instance.

        Returns:
            dict: ``video_id``, ``frame_ids`` (the images' ``frame_id``),
            ``img_paths``, ``video_length``, ``video_name``.
        """
        imgs = [self.coco.imgs[a["image_id"]] for a in self._anns(video_idx)]
        return dict(
            video_id=video_idx,
            frame_ids=np.asarray([img["frame_id"] for img in imgs], dtype=np.int64),
            img_paths=[osp.join(self.img_root, img["file_name"]) for img in imgs],
            video_length=len(imgs),
            video_name=self.get_video_name(video_idx),
        )
