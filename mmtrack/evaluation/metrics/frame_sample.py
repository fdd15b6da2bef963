"""Uniform read access to the per-frame samples a metric receives.

mmengine's ``Evaluator`` hands metrics the model outputs either as data
samples or as their ``to_dict()`` form. In this project the outputs are
:class:`~mmtrack.structures.TrackDataSample` (a clip: ``video_data_samples``,
a list of per-frame :class:`~mmtrack.structures.DetDataSample`), a single
``DetDataSample``, or the dict forms of those. :func:`iter_frames` flattens
any of them into :class:`FrameSample` views, one per frame.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Optional

import numpy as np
import torch
from mmengine.structures import BaseDataElement

_MISSING = object()


def to_numpy(value: Any) -> Any:
    """Tensor to numpy array (detached, on CPU); anything else unchanged."""
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return value


class FrameSample:
    """Read-only view of one frame's sample (object or dict form).

    Args:
        sample (DetDataSample | dict): The frame.
        parent_meta (dict, optional): Metainfo of the enclosing clip, used for
            keys the frame lacks.
    """

    def __init__(self, sample: Any, parent_meta: Optional[Mapping] = None) -> None:
        self._sample = sample
        self._parent_meta = dict(parent_meta or {})

    def _lookup(self, key: str) -> Any:
        s = self._sample
        if isinstance(s, BaseDataElement):
            if key in s.metainfo_keys():
                return s.metainfo[key]
            value = s.get(key, _MISSING)
        elif isinstance(s, Mapping):
            value = s.get(key, _MISSING)
        else:
            raise TypeError(
                f"a data sample must be a DetDataSample or a dict, got {type(s).__name__}"
            )
        if value is _MISSING:
            value = self._parent_meta.get(key, _MISSING)
        return value

    def has(self, key: str) -> bool:
        """Whether the frame (or its clip) has ``key`` (metainfo or field)."""
        return self._lookup(key) is not _MISSING

    def meta(self, key: str, default: Any = _MISSING) -> Any:
        """A metainfo value (e.g. ``frame_id``).

        Args:
            key (str): The key.
            default: Returned when the key is absent; absent and no default
                raises.

        Raises:
            KeyError: naming the key and the keys available.
        """
        value = self._lookup(key)
        if value is _MISSING:
            if default is _MISSING:
                raise KeyError(
                    f"data sample has no {key!r} (metainfo keys: {sorted(self.meta_keys())})"
                )
            return default
        return value

    def meta_keys(self) -> list[str]:
        """Metainfo (or, for dicts, all) keys of the frame."""
        s = self._sample
        keys = set(self._parent_meta)
        if isinstance(s, BaseDataElement):
            keys |= set(s.metainfo_keys())
        elif isinstance(s, Mapping):
            keys |= set(s.keys())
        return sorted(keys)

    def instances(self, name: str) -> Optional[dict]:
        """An instance field (``pred_track_instances``, ``gt_instances``, ...).

        Args:
            name (str): Field name.

        Returns:
            dict | None: ``{key: value}`` with tensors turned into numpy
            arrays (other values, e.g. mask objects, unchanged), or None if
            the frame has no such field.
        """
        value = self._lookup(name)
        if value is _MISSING or value is None:
            return None
        if isinstance(value, BaseDataElement):
            items = {k: value.get(k) for k in value.keys()}
        elif isinstance(value, Mapping):
            items = dict(value)
        else:
            raise TypeError(f"{name} must be InstanceData or a dict, got {type(value).__name__}")
        return {k: to_numpy(v) for k, v in items.items()}


def iter_frames(data_samples: Sequence[Any]) -> Iterator[FrameSample]:
    """Yield one :class:`FrameSample` per frame of the given samples.

    Args:
        data_samples (Sequence): TrackDataSamples, DetDataSamples or their
            dict forms, as ``BaseMetric.process`` receives them.

    Yields:
        FrameSample: Frames in order; of a clip whose metainfo has
        ``key_frames_inds`` only the key frames (reference frames carry no
        prediction).
    """
    for sample in data_samples:
        frames = None
        parent: dict = {}
        if isinstance(sample, BaseDataElement) and "video_data_samples" in sample:
            frames = sample.video_data_samples
            parent = dict(sample.metainfo)
        elif isinstance(sample, Mapping) and "video_data_samples" in sample:
            frames = sample["video_data_samples"]
            parent = {k: v for k, v in sample.items() if k != "video_data_samples"}
        if frames is None:
            yield FrameSample(sample)
            continue
        key_inds = parent.get("key_frames_inds")
        if key_inds is not None:
            frames = [frames[i] for i in key_inds]
        for frame in frames:
            yield FrameSample(frame, parent)


def as_array(value: Any, dtype: Any = np.float64, shape_tail: tuple = ()) -> np.ndarray:
    """``np.asarray`` with a dtype, keeping an empty input's trailing shape.

    Args:
        value: Array-like (tensors already converted).
        dtype: Result dtype.
        shape_tail (tuple): Expected trailing dimensions, e.g. ``(4,)`` for
            boxes; an input with no element becomes ``(0, *shape_tail)``.

    Returns:
        np.ndarray: The array.
    """
    arr = np.asarray(to_numpy(value), dtype=dtype)
    if arr.size == 0:
        return arr.reshape((0, *shape_tail))
    if shape_tail:
        arr = arr.reshape((-1, *shape_tail))
    return arr
