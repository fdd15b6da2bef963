"""Concatenation of video datasets that keeps frame-level indexing."""

from __future__ import annotations

import bisect
from typing import Any, Optional, Sequence, Union

from mmengine.dataset import BaseDataset
from mmengine.dataset import ConcatDataset as _MMEngineConcatDataset

from mmtrack.registry import DATASETS

Index = Union[int, Sequence[int]]


@DATASETS.register_module()
class ConcatDataset(_MMEngineConcatDataset):
    """mmengine's ``ConcatDataset`` that also accepts the ``(video_idx,
    frame_idx)`` indices of :class:`~mmtrack.datasets.samplers.TrackImgSampler`.

    Video ``i`` of the concatenation is video ``i - offset`` of the dataset it
    falls in (datasets in the given order). The video queries of
    :class:`~mmtrack.datasets.BaseVideoDataset` (``get_len_per_video``,
    ``get_key_frame_inds``, ``get_video_shape``) are forwarded, so a VID set
    and a DET set read as one-frame videos can be trained together.

    Args:
        datasets: dataset configs or objects.
        lazy_init: defer initialisation. Defaults to False.
        ignore_keys: metainfo keys that may differ between datasets. Defaults to None.
    """

    def __init__(
        self,
        datasets: Sequence[Union[BaseDataset, dict]],
        lazy_init: bool = False,
        ignore_keys: Optional[Union[str, list]] = None,
    ) -> None:
        built = [DATASETS.build(d) if isinstance(d, dict) else d for d in datasets]
        super().__init__(built, lazy_init=lazy_init, ignore_keys=ignore_keys)

    @property
    def test_mode(self) -> bool:
        """Test mode of the first dataset (all must agree)."""
        modes = {bool(getattr(d, "test_mode", False)) for d in self.datasets}
        if len(modes) > 1:
            raise ValueError("ConcatDataset mixes training and test-mode datasets")
        return modes.pop()

    def _locate(self, idx: int) -> tuple[int, int]:
        if idx < 0:
            idx += len(self)
        if not 0 <= idx < len(self):
            raise IndexError(f"index {idx} outside ConcatDataset of {len(self)} items")
        d = bisect.bisect_right(self.cumulative_sizes, idx)
        return d, idx - (self.cumulative_sizes[d - 1] if d > 0 else 0)

    @property
    def num_videos(self) -> int:
        """Total number of items (videos)."""
        return len(self)

    def get_len_per_video(self, idx: int) -> int:
        d, i = self._locate(idx)
        return self.datasets[d].get_len_per_video(i)

    def get_key_frame_inds(self, idx: int) -> list[int]:
        d, i = self._locate(idx)
        ds = self.datasets[d]
        if hasattr(ds, "get_key_frame_inds"):
            return ds.get_key_frame_inds(i)
        return list(range(ds.get_len_per_video(i)))

    def get_video_shape(self, idx: int) -> tuple[int, int]:
        d, i = self._locate(idx)
        return self.datasets[d].get_video_shape(i)

    def get_data_info(self, idx: int) -> dict:
        d, i = self._locate(idx)
        return self.datasets[d].get_data_info(i)

    def __getitem__(self, idx: Index) -> Any:
        if not self._fully_initialized:
            self.full_init()
        if isinstance(idx, (tuple, list)):
            d, i = self._locate(int(idx[0]))
            return self.datasets[d][(i, int(idx[1]))]
        d, i = self._locate(int(idx))
        return self.datasets[d][i]
