"""TrackStore: row bookkeeping of the struct-of-arrays track storage."""

import numpy as np
import pytest

from mmtrack.models.trackers.track_store import TrackStore


def test_length_follows_add_keep_and_clear():
    s = TrackStore()
    assert len(s) == 0
    s.add(ids=np.array([0, 1, 2]), boxes=np.zeros((3, 4)))
    assert len(s) == 3
    s.add(ids=np.array([3]), boxes=np.ones((1, 4)))
    assert len(s) == 4
    assert s["ids"].tolist() == [0, 1, 2, 3]
    s.keep(np.array([True, False, True, True]))
    assert len(s) == 3
    assert s["ids"].tolist() == [0, 2, 3]
    s.keep(np.array([2]))  # indices
    assert len(s) == 1 and s["ids"].tolist() == [3]
    s.keep(np.zeros(1, dtype=bool))
    assert len(s) == 0
    s.clear()
    assert len(s) == 0 and s.fields() == []


def test_setitem_checks_rows():
    s = TrackStore()
    s["ids"] = np.arange(2)
    assert len(s) == 2
    s["boxes"] = np.zeros((2, 4))
    with pytest.raises(ValueError, match="'boxes' has 3 rows, the store has 2"):
        s["boxes"] = np.zeros((3, 4))


def test_add_refuses_mismatched_fields():
    s = TrackStore()
    s.add(ids=np.arange(2), boxes=np.zeros((2, 4)))
    with pytest.raises(ValueError, match="different lengths"):
        s.add(ids=np.arange(2), boxes=np.zeros((1, 4)))
    with pytest.raises(ValueError, match="differ from the store"):
        s.add(ids=np.arange(1))
    assert len(s) == 2
