"""Frame-level samplers for video datasets."""

from __future__ import annotations

import math
import random
from typing import Iterator, Optional, Sized

import numpy as np
from mmengine.dist import get_dist_info, sync_random_seed
from torch.utils.data import Sampler

from mmtrack.registry import DATA_SAMPLERS


def _num_videos(dataset: Sized) -> int:
    return int(getattr(dataset, "num_videos", len(dataset)))


def split_videos(num_videos: int, world_size: int) -> list[list[int]]:
    """Split video indices ``0..num_videos-1`` into ``world_size`` contiguous
    chunks whose sizes differ by at most one (as ``numpy.array_split``)."""
    return [c.tolist() for c in np.array_split(np.arange(num_videos), world_size)]


@DATA_SAMPLERS.register_module()
class TrackImgSampler(Sampler):
    """Yields ``(video_idx, frame_idx)`` pairs of a video dataset.

    * **Test mode**: whole videos are split across ranks (contiguous chunks
      of videos, sizes differing by at most one video), each rank walks its
      videos' frames in order; every frame is yielded exactly once over all
      ranks and never padded, so metrics see complete videos.
    * **Training**: all key frames of all videos (``get_key_frame_inds`` when
      the dataset has it, else all frames) are shuffled with
      ``seed + epoch`` and padded to a multiple of ``world_size``; rank ``r``
      takes every ``world_size``-th one starting at ``r``.

    The dataset needs ``len()`` (or ``num_videos``), ``get_len_per_video(i)``
    and ``test_mode``.

    Args:
        dataset: the video dataset.
        seed: shuffling seed (same on all ranks); None draws a synced one.
            Defaults to None.
        rank: this process' rank; None reads it from the process group.
            Defaults to None.
        world_size: number of processes; None reads it. Defaults to None.
    """

    def __init__(
        self,
        dataset: Sized,
        seed: Optional[int] = None,
        rank: Optional[int] = None,
        world_size: Optional[int] = None,
    ) -> None:
        dist_rank, dist_world = get_dist_info()
        self.rank = dist_rank if rank is None else rank
        self.world_size = dist_world if world_size is None else world_size
        if not 0 <= self.rank < self.world_size:
            raise ValueError(f"rank {self.rank} outside world_size {self.world_size}")
        if not hasattr(dataset, "get_len_per_video"):
            raise TypeError(
                f"{type(self).__name__} needs a video dataset with get_len_per_video(), "
                f"got {type(dataset).__name__}"
            )
        self.dataset = dataset
        self.test_mode = bool(getattr(dataset, "test_mode", False))
        self.seed = sync_random_seed() if seed is None else seed
        self.epoch = 0
        num_videos = _num_videos(dataset)
        if self.test_mode:
            if num_videos < self.world_size:
                raise ValueError(
                    f"only {num_videos} videos loaded, but {self.world_size} ranks were given"
                )
            self.indices: list = [
                [(v, f) for v in chunk for f in range(dataset.get_len_per_video(v))]
                for chunk in split_videos(num_videos, self.world_size)
            ]
            self.num_samples = len(self.indices[self.rank])
            self.total_size = sum(len(x) for x in self.indices)
        else:
            key_inds = getattr(dataset, "get_key_frame_inds", None)
            self.indices = [
                (v, f)
                for v in range(num_videos)
                for f in (
                    key_inds(v) if key_inds is not None else range(dataset.get_len_per_video(v))
                )
            ]
            self.num_samples = int(math.ceil(len(self.indices) / self.world_size))
            self.total_size = self.num_samples * self.world_size

    def __iter__(self) -> Iterator[tuple[int, int]]:
        if self.test_mode:
            return iter(self.indices[self.rank])
        rng = random.Random(self.seed + self.epoch)
        indices = rng.sample(self.indices, len(self.indices))
        if indices:
            while len(indices) < self.total_size:
                indices += indices[: self.total_size - len(indices)]
        return iter(indices[self.rank : self.total_size : self.world_size])

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Reshuffle differently at every epoch (training)."""
        self.epoch = epoch


@DATA_SAMPLERS.register_module()
class VideoSampler(TrackImgSampler):
    """MMTracking 1.0's test-time ``VideoSampler``: :class:`TrackImgSampler`
    restricted to test mode (whole videos per rank, frames in order).

    Args:
        dataset: the video dataset (``test_mode=True``).
        seed: unused, kept for config compatibility. Defaults to 0.
        rank: this process' rank. Defaults to None.
        world_size: number of processes. Defaults to None.
    """

    def __init__(
        self,
        dataset: Sized,
        seed: Optional[int] = 0,
        rank: Optional[int] = None,
        world_size: Optional[int] = None,
    ) -> None:
        if not getattr(dataset, "test_mode", False):
            raise ValueError("VideoSampler is for testing only (dataset.test_mode must be True)")
        super().__init__(dataset, seed=seed, rank=rank, world_size=world_size)

    @property
    def num_videos(self) -> int:
        """Number of videos handled by this rank."""
        return len({v for v, _ in self.indices[self.rank]})

    def set_epoch(self, epoch: int) -> None:
        """No-op: test order is fixed."""
