"""Struct-of-arrays storage for the tracks of a tracker."""

from __future__ import annotations

import numpy as np


class TrackStore:
    """Tracks kept as parallel numpy arrays, one row per track.

    Every field has the same first dimension (the number of tracks). Rows are
    appended with :meth:`add` and removed with :meth:`keep`; trackers read and
    write whole columns (``store['mean']``), which keeps the per-frame work
    vectorised over tracks.

    Examples:
        >>> s = TrackStore()
        >>> s.add(ids=np.array([0, 1]), boxes=np.zeros((2, 4)))
        >>> len(s), s['boxes'].shape
        (2, (2, 4))
        >>> s.keep(np.array([False, True]))
        >>> s['ids'].tolist()
        [1]
    """

    def __init__(self) -> None:
        self._fields: dict[str, np.ndarray] = {}
        self._len = 0  # rows, kept by add/keep/clear (read every frame by the trackers)

    def __len__(self) -> int:
        return self._len

    def __contains__(self, name: str) -> bool:
        return name in self._fields

    def __getitem__(self, name: str) -> np.ndarray:
        return self._fields[name]

    def __setitem__(self, name: str, value: np.ndarray) -> None:
        value = np.asarray(value)
        if self._fields and len(value) != len(self):
            raise ValueError(
                f"TrackStore field {name!r} has {len(value)} rows, the store has {len(self)}"
            )
        if not self._fields:
            self._len = len(value)
        self._fields[name] = value

    def fields(self) -> list[str]:
        return list(self._fields)

    def add(self, **arrays: np.ndarray) -> None:
        """Append rows; every existing field must be given (same row count)."""
        if not arrays:
            return
        lengths = {len(np.asarray(v)) for v in arrays.values()}
        if len(lengths) != 1:
            raise ValueError(f"TrackStore.add: fields have different lengths {sorted(lengths)}")
        if self._fields and set(arrays) != set(self._fields):
            missing = set(self._fields) ^ set(arrays)
            raise ValueError(f"TrackStore.add: fields differ from the store's: {sorted(missing)}")
        if not self._fields:
            self._fields = {k: np.asarray(v).copy() for k, v in arrays.items()}
            self._len = lengths.pop()
            return
        for k, v in arrays.items():
            self._fields[k] = np.concatenate([self._fields[k], np.asarray(v)], axis=0)
        self._len += lengths.pop()

    def keep(self, mask: np.ndarray) -> None:
        """Keep only the rows where ``mask`` is true (bool ``(K,)``) or the given indices."""
        mask = np.asarray(mask)
        if mask.dtype == bool and mask.all():
            return
        for k in self._fields:
            self._fields[k] = self._fields[k][mask]
        self._len = len(next(iter(self._fields.values()))) if self._fields else 0

    def clear(self) -> None:
        self._fields = {}
        self._len = 0
