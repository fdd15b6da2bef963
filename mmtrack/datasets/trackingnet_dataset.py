"""TrackingNet: large-scale tracking benchmark of YouTube-BB videos."""

from __future__ import annotations

import os
import os.path as osp
from collections.abc import Sequence
from typing import Any

from mmtrack.registry import DATASETS

from .base_sot_dataset import BaseSOTDataset, frame_id_range

TRACKINGNET_NUM_TRAIN_CHUNKS = 12


def trackingnet_chunks(chunks: Sequence[int | str] | int | str = ("all",)) -> list[str]:
    """Names of TrackingNet training chunks.

    Args:
        chunks (Sequence[int | str] | int | str): Chunk numbers 0..11 or
            ``'all'``. Defaults to ('all',).

    Returns:
        list[str]: ``['TRAIN_0', ...]``.
    """
    if isinstance(chunks, (int, str)):
        chunks = [chunks]
    chunks = list(chunks)
    valid = set(range(TRACKINGNET_NUM_TRAIN_CHUNKS)) | {"all"}
    bad = [c for c in chunks if c not in valid]
    if bad:
        raise ValueError(f"TrackingNet chunks must be in 0..11 or 'all', got {bad}")
    if "all" in chunks:
        return [f"TRAIN_{i}" for i in range(TRACKINGNET_NUM_TRAIN_CHUNKS)]
    return [f"TRAIN_{c}" for c in sorted(set(chunks))]


def list_trackingnet_videos(data_root: str, chunks: Sequence[str]) -> list[dict]:
    """Videos of TrackingNet chunks in the native layout.

    Args:
        data_root (str): TrackingNet root (holding ``TRAIN_*`` and ``TEST``).
        chunks (Sequence[str]): Chunk folder names, e.g. ``['TRAIN_0']`` or
            ``['TEST']``.

    Returns:
        list[dict]: ``<chunk>/frames/<video>``, ``<chunk>/anno/<video>.txt``,
        frames 0..last; videos with an empty frame folder are skipped.
    """
    infos = []
    for chunk in chunks:
        frames_dir = osp.join(data_root, chunk, "frames")
        if not osp.isdir(frames_dir):
            raise FileNotFoundError(f"{frames_dir}: TrackingNet chunk folder not found")
        for name in sorted(os.listdir(frames_dir)):
            video_dir = osp.join(frames_dir, name)
            if not osp.isdir(video_dir) or not os.listdir(video_dir):
                continue
            first, last = frame_id_range(video_dir)
            infos.append(
                dict(
                    video_path=osp.join(chunk, "frames", name),
                    ann_path=osp.join(chunk, "anno", f"{name}.txt"),
                    start_frame_id=first,
                    end_frame_id=last,
                    framename_template=TrackingNetDataset.FRAMENAME_TEMPLATE,
                )
            )
    return infos


@DATASETS.register_module()
class TrackingNetDataset(BaseSOTDataset):
    """TrackingNet dataset (training and testing).

    Frames are ``<chunk>/frames/<video>/%d.jpg`` numbered from 0; boxes
    ``x,y,w,h`` per line in ``<chunk>/anno/<video>.txt`` (first frame only in
    ``TEST``).

    Args:
        chunks_list (Sequence[int | str]): Training chunks to use (0..11 or
            ``'all'``); ``TEST`` videos are always kept. Defaults to ('all',).
        **kwargs: See :class:`BaseSOTDataset`.
    """

    FRAMENAME_TEMPLATE = "%d.jpg"

    def __init__(self, chunks_list: Sequence[int | str] = ("all",), **kwargs: Any) -> None:
        self.chunks_list = trackingnet_chunks(chunks_list)
        super().__init__(**kwargs)

    def load_data_list(self) -> list[dict]:
        """Videos of the info file (or native layout) in the chosen chunks."""
        infos = super().load_data_list()
        keep = set(self.chunks_list) | {"TEST"}
        return [i for i in infos if i["video_path"].replace("\\", "/").split("/")[0] in keep]

    def scan_videos(self, root: str) -> list[dict]:
        """``TEST`` videos in test mode, the chosen training chunks otherwise."""
        chunks = ["TEST"] if self.test_mode else self.chunks_list
        return list_trackingnet_videos(root, chunks)
