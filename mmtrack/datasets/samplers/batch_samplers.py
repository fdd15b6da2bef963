"""Batch samplers for video datasets."""

from __future__ import annotations

from typing import Iterator, Union

from torch.utils.data import BatchSampler, Sampler

from mmtrack.registry import DATA_SAMPLERS

Index = Union[int, tuple]


def _video_of(idx: Index) -> int:
    return idx[0] if isinstance(idx, (tuple, list)) else idx


@DATA_SAMPLERS.register_module()
class EntireVideoBatchSampler(BatchSampler):
    """One batch per video: groups the consecutive ``(video_idx, frame_idx)``
    indices of a test sampler that belong to the same video.

    Args:
        sampler: a test-mode frame sampler (e.g. :class:`TrackImgSampler`).
        batch_size: must be 1 (one video). Defaults to 1.
        drop_last: unused. Defaults to False.
    """

    def __init__(self, sampler: Sampler, batch_size: int = 1, drop_last: bool = False) -> None:
        if not isinstance(sampler, Sampler):
            raise TypeError(f"sampler should be a Sampler, got {sampler}")
        if batch_size != 1:
            raise ValueError(f"EntireVideoBatchSampler takes one video per batch, got {batch_size}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list]:
        batch: list = []
        for idx in self.sampler:
            if batch and _video_of(idx) != _video_of(batch[-1]):
                yield batch
                batch = []
            batch.append(idx)
        if batch:
            yield batch

    def __len__(self) -> int:
        videos = getattr(self.sampler, "indices", None)
        if videos is not None and getattr(self.sampler, "test_mode", False):
            return len({_video_of(i) for i in videos[self.sampler.rank]})
        return len({_video_of(i) for i in self.sampler})


@DATA_SAMPLERS.register_module()
class TrackAspectRatioBatchSampler(BatchSampler):
    """Batches of frames of similar aspect ratio (``w < h`` or ``w >= h``).

    Indices may be ``(video_idx, frame_idx)`` pairs or video indices; the
    ratio is read from the video's first frame (``get_video_shape`` when the
    dataset has it, else its data info).

    Args:
        sampler: the index sampler.
        batch_size: batch size.
        drop_last: drop the last incomplete batch. Defaults to False.
    """

    def __init__(self, sampler: Sampler, batch_size: int, drop_last: bool = False) -> None:
        if not isinstance(sampler, Sampler):
            raise TypeError(f"sampler should be a Sampler, got {sampler}")
        if not isinstance(batch_size, int) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive int, got {batch_size}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last
        self._buckets: list[list] = [[], []]

    def _bucket(self, idx: Index) -> int:
        dataset = self.sampler.dataset
        video = _video_of(idx)
        if hasattr(dataset, "get_video_shape"):
            height, width = dataset.get_video_shape(video)
        else:
            first = dataset.get_data_info(video)["images"][0]
            height, width = first["height"], first["width"]
        return 0 if width < height else 1

    def __iter__(self) -> Iterator[list]:
        for idx in self.sampler:
            bucket = self._buckets[self._bucket(idx)]
            bucket.append(idx)
            if len(bucket) == self.batch_size:
                yield bucket[:]
                del bucket[:]
        left = self._buckets[0] + self._buckets[1]
        self._buckets = [[], []]
        while left:
            if len(left) <= self.batch_size:
                if not self.drop_last:
                    yield left[:]
                left = []
            else:
                yield left[: self.batch_size]
                left = left[self.batch_size :]

    def __len__(self) -> int:
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size
