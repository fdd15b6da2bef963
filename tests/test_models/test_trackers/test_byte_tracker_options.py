"""ByteTracker's ByteTrack-code options: confirmed-only output and Kalman output boxes."""

from __future__ import annotations

import numpy as np
import pytest

from mmtrack.models.trackers import ByteTracker
from mmtrack.registry import MODELS
from mmtrack.utils import register_all_modules

register_all_modules()

A = [100.0, 100.0, 140.0, 200.0]
B = [400.0, 300.0, 440.0, 400.0]
C = [800.0, 500.0, 840.0, 600.0]


def _step(tracker, frame_id, boxes):
    b = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    out = tracker.update(b, np.full(len(b), 0.9), np.zeros(len(b), np.int64), frame_id)
    return out


def test_confirmed_only_output_hides_new_tracks_until_confirmed():
    faithful = MODELS.build(dict(type="ByteTracker"))
    code = MODELS.build(dict(type="ByteTracker", **ByteTracker.paper_settings()))
    assert code.num_tentatives == 2 and not code.output_tentative
    frames = [[A, B], [A, B, C], [A, B, C], [A, B, C]]
    counts_faithful = [len(_step(faithful, t, f)["ids"]) for t, f in enumerate(frames)]
    counts_code = [len(_step(code, t, f)["ids"]) for t, f in enumerate(frames)]
    # frame 0's tracks are confirmed at once; C appears in frame 1: MMTracking outputs it
    # at once, the ByteTrack code from its second matched frame (frame 2)
    assert counts_faithful == [2, 3, 3, 3]
    assert counts_code == [2, 2, 3, 3]


def test_kalman_output_boxes_lie_between_prediction_and_detection():
    tracker = MODELS.build(dict(type="ByteTracker", output_boxes="kalman"))
    out0 = _step(tracker, 0, [A])
    # a new track's Kalman state is its detection
    np.testing.assert_allclose(out0["bboxes"][0], A, atol=1e-6)
    moved = [a + 6.0 for a in A]
    out1 = _step(tracker, 1, [moved])
    # the object had no velocity yet: the prediction is A, the update moves part of the
    # way towards the detection (a gain strictly between 0 and 1)
    x1 = out1["bboxes"][0, 0]
    assert A[0] < x1 < moved[0]
    plain = MODELS.build(dict(type="ByteTracker"))
    _step(plain, 0, [A])
    np.testing.assert_allclose(_step(plain, 1, [moved])["bboxes"][0], moved)


def test_bad_output_boxes():
    with pytest.raises(ValueError, match="output_boxes must be 'detection' or 'kalman', got 'kf'"):
        MODELS.build(dict(type="ByteTracker", output_boxes="kf"))
