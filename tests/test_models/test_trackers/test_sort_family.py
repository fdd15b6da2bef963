"""mmtrack.models.trackers.sort_family.finish_frame: the shared SORT-family tail."""

from __future__ import annotations

import numpy as np

from mmtrack.models.trackers.sort_family import finish_frame
from mmtrack.models.trackers.track_store import TrackStore


class RecordingTracker:
    """A tracker stand-in that records the calls finish_frame makes."""

    def __init__(self) -> None:
        self.tracks = TrackStore()
        self.tracks.add(ids=np.array([7, 9]), last_frame=np.array([4, 1]))
        self.calls: list[tuple] = []
        self.next_id = 20

    def _update_tracks(self, rows, bboxes, scores, labels, frame_id, **kw):
        self.calls.append(("update", rows.tolist(), scores.tolist(), sorted(kw)))
        if len(rows):
            self.tracks["last_frame"][rows] = frame_id

    def _init_tracks(self, bboxes, scores, labels, frame_id, **kw):
        n = len(bboxes)
        if n == 0:
            return np.empty(0, dtype=np.int64)
        ids = np.arange(self.next_id, self.next_id + n)
        self.next_id += n
        self.calls.append(("init", scores.tolist(), sorted(kw)))
        self.tracks.add(ids=ids, last_frame=np.full(n, frame_id))
        return ids

    def _pop_invalid(self, frame_id):
        self.calls.append(("pop", frame_id))
        if len(self.tracks):
            self.tracks.keep(frame_id - self.tracks["last_frame"] < 3)

    @staticmethod
    def _output(bboxes, scores, labels, ids):
        return dict(bboxes=bboxes, scores=scores, labels=labels, ids=np.asarray(ids))


def _dets():
    bboxes = np.arange(16, dtype=float).reshape(4, 4)
    return bboxes, np.array([0.9, 0.8, 0.7, 0.3]), np.zeros(4, dtype=np.int64)


def test_matched_first_then_new_and_stale_tracks_dropped():
    tr = RecordingTracker()
    bboxes, scores, labels = _dets()
    # detection 2 continues track row 0 (id 7); detection 0 starts a track; 1 and 3 dropped
    det_to_track = np.array([-1, -1, 0, -1])
    seen = []
    out = finish_frame(
        tr, det_to_track, np.array([0]), bboxes, scores, labels, 5,
        update_kwargs=lambda m: dict(embeds=m),
        after_update=lambda rows, m: seen.append((rows.tolist(), m.tolist())),
        init_kwargs=lambda n: dict(extra=n),
    )
    assert out["ids"].tolist() == [7, 20]
    assert out["scores"].tolist() == [0.7, 0.9]
    assert out["bboxes"].tolist() == [bboxes[2].tolist(), bboxes[0].tolist()]
    assert seen == [([0], [2])]
    assert tr.calls == [("update", [0], [0.7], ["embeds"]), ("init", [0.9], ["extra"]), ("pop", 5)]
    # id 9 (last seen in frame 1) is forgotten; 7 and the new 20 remain
    assert tr.tracks["ids"].tolist() == [7, 20]


def test_all_detections_keep_input_order():
    tr = RecordingTracker()
    bboxes, scores, labels = _dets()
    det_to_track = np.array([1, -1, 0, -1])
    out = finish_frame(
        tr, det_to_track, np.array([1, 3]), bboxes, scores, labels, 2, all_detections=True
    )
    assert out["ids"].tolist() == [9, 20, 7, 21]
    assert out["scores"].tolist() == scores.tolist()


def test_no_tracks_no_detections():
    tr = RecordingTracker()
    tr.tracks.clear()
    empty = np.empty((0, 4))
    out = finish_frame(
        tr, np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), empty,
        np.empty(0), np.empty(0, dtype=np.int64), 0,
    )
    assert out["ids"].tolist() == [] and out["bboxes"].shape == (0, 4)
