"""Per-video (clip) data sample."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from mmengine.structures import BaseDataElement

from .det_data_sample import DetDataSample


class TrackDataSample(BaseDataElement):
    """A video clip: an ordered list of :class:`DetDataSample`, one per frame.

    Training clips mark which frames are key frames and which are reference
    frames through the metainfo fields ``key_frames_inds`` and
    ``ref_frames_inds`` (lists of indices into ``video_data_samples``).

    Examples:
        >>> sample = TrackDataSample()
        >>> sample.video_data_samples = [DetDataSample(), DetDataSample()]
        >>> sample.set_metainfo(dict(key_frames_inds=[0], ref_frames_inds=[1]))
        >>> len(sample), len(sample.get_key_frames())
        (2, 1)
    """

    @property
    def video_data_samples(self) -> list[DetDataSample]:
        return self._video_data_samples

    @video_data_samples.setter
    def video_data_samples(self, value: list[DetDataSample]) -> None:
        if isinstance(value, DetDataSample):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, DetDataSample) for v in value):
            raise TypeError(
                "TrackDataSample.video_data_samples must be a list of DetDataSample, "
                f"got {type(value).__name__}"
            )
        super().__setattr__("_video_data_samples", value)

    @video_data_samples.deleter
    def video_data_samples(self) -> None:
        del self._video_data_samples

    def __getitem__(self, index: int) -> DetDataSample:  # type: ignore[override]
        if not hasattr(self, "_video_data_samples"):
            raise IndexError("TrackDataSample holds no video_data_samples")
        return self._video_data_samples[index]

    def __len__(self) -> int:
        return len(self._video_data_samples) if hasattr(self, "_video_data_samples") else 0

    def _select(self, key: str) -> TrackDataSample:
        inds = self.metainfo.get(key)
        if inds is None:
            raise KeyError(f"TrackDataSample metainfo has no '{key}'")
        if isinstance(inds, (torch.Tensor, np.ndarray)):
            inds = inds.tolist()
        if isinstance(inds, int):
            inds = [inds]
        assert isinstance(inds, Sequence)
        out = TrackDataSample(metainfo=self.metainfo)
        out.video_data_samples = [self._video_data_samples[i] for i in inds]
        return out

    def get_key_frames(self) -> TrackDataSample:
        """Return a new sample holding only the key frames."""
        return self._select("key_frames_inds")

    def get_ref_frames(self) -> TrackDataSample:
        """Return a new sample holding only the reference frames."""
        return self._select("ref_frames_inds")

    def to(self, *args, **kwargs) -> TrackDataSample:  # noqa: ANN002, ANN003
        out = self.new()
        out.video_data_samples = [s.to(*args, **kwargs) for s in self._video_data_samples]
        return out

    def cpu(self) -> TrackDataSample:
        return self.to("cpu")

    def cuda(self) -> TrackDataSample:
        return self.to("cuda")

    def numpy(self) -> TrackDataSample:
        out = self.new()
        out.video_data_samples = [s.numpy() for s in self._video_data_samples]
        return out

    def detach(self) -> TrackDataSample:
        out = self.new()
        out.video_data_samples = [s.detach() for s in self._video_data_samples]
        return out

    def clone(self) -> TrackDataSample:
        out = self.new()
        out.video_data_samples = [s.clone() for s in self._video_data_samples]
        return out


TrackSampleList = list  # list[TrackDataSample]
