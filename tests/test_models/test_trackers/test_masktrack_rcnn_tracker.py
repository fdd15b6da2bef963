"""MaskTrackRCNNTracker: match scores and assignments computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from mmengine.structures import InstanceData

from mmtrack.models.trackers.masktrack_rcnn_tracker import assign_ids, match_scores
from mmtrack.registry import MODELS
from mmtrack.structures import DetDataSample
from mmtrack.utils import register_all_modules

register_all_modules()

W = dict(det_score=1.0, iou=2.0, det_label=10.0)


def _tracker(**kw):
    return MODELS.build(dict(type="MaskTrackRCNNTracker", match_weights=W, **kw))


def _update(tracker, frame_id, boxes, scores, labels, embeds):
    return tracker.update(
        np.asarray(boxes, dtype=np.float64).reshape(-1, 4),
        np.asarray(scores, dtype=np.float64),
        np.asarray(labels, dtype=np.int64),
        frame_id,
        embeds=np.asarray(embeds, dtype=np.float64).reshape(len(scores), 2),
    )


def test_match_score_formula_by_hand():
    # one detection, two tracks: logits [0, 2, 0], score 0.5, IoU [0.8, 0], same class [1, 0]
    s = match_scores(np.array([[0.0, 2.0, 0.0]]), np.array([0.5]), np.array([[0.8, 0.0]]),
                     np.array([[True, False]]), W)
    lse = math.log(1 + math.exp(2) + 1)
    expect = [-lse + math.log(0.5) + 10, 2 - lse + math.log(0.5) + 1.6 + 10,
              -lse + math.log(0.5)]
    assert s[0].tolist() == pytest.approx(expect)
    assert s[0].tolist() == pytest.approx([7.067308, 10.667308, -2.932692], abs=1e-5)


def test_assign_ids_best_detection_wins_a_track():
    scores = np.array([[0.0, 5.0, 1.0], [0.0, 6.0, 1.0], [3.0, 1.0, 0.0], [0.0, 1.0, 2.0]])
    # dets 0 and 1 both want track 0 (column 1): det 1 (6 > 5) wins, det 0 dropped
    assert assign_ids(scores).tolist() == [-1, 1, 0, 2]
    assert assign_ids(np.zeros((0, 3))).tolist() == []


def test_tracker_frames_by_hand():
    t = _tracker(num_frames_retain=2)
    a, b = [0, 0, 10, 10], [20, 20, 30, 30]
    out = _update(t, 0, [a, b], [0.9, 0.8], [0, 1], [[1, 0], [0, 1]])
    assert out["ids"].tolist() == [0, 1] and out["inds"].tolist() == [0, 1]

    # C overlaps A (IoU 90/110), same class, embedding [2, 0]: logits [0, 2, 0];
    # D is far from everything, class 1 like B, embedding [0, 0.5]: logits [0, 0, 0.5]
    c, d = [1, 0, 11, 10], [50, 50, 60, 60]
    lse_c = math.log(2 + math.exp(2))
    c_new, c_a = -lse_c + math.log(0.5) + 10, 2 - lse_c + math.log(0.5) + 2 * 90 / 110 + 10
    assert c_a > c_new  # C continues track 0
    lse_d = math.log(2 + math.exp(0.5))
    d_new, d_b = -lse_d + 10, 0.5 - lse_d + 10
    assert d_b > d_new  # D continues track 1 on class and appearance, with no overlap
    out = _update(t, 1, [c, d], [0.5, 1.0], [0, 1], [[2, 0], [0, 0.5]])
    assert out["ids"].tolist() == [0, 1]
    np.testing.assert_allclose(out["bboxes"], [c, d])
    # the tracks now hold the frame-1 boxes and embeddings
    np.testing.assert_allclose(t.tracks["bboxes"], [c, d])
    np.testing.assert_allclose(t.tracks["embeds"], [[2, 0], [0, 0.5]])

    # E and F both best match track 0; E has the higher score and keeps it, F is dropped;
    # G (class 2, new embedding direction) starts track 2
    out = _update(t, 2, [c, c, [80, 0, 90, 10]], [0.9, 0.6, 0.7], [0, 0, 2],
                  [[2, 0], [2, 0], [0, -3]])
    assert out["ids"].tolist() == [0, 2] and out["inds"].tolist() == [0, 2]
    assert t.num_tracks == 3

    # frame 3 without detections: track 1 (last seen at 1) is 2 frames old and removed
    out = _update(t, 3, np.zeros((0, 4)), [], [], np.zeros((0, 2)))
    assert len(out["ids"]) == 0
    assert sorted(t.ids) == [0, 2]


def test_track_keeps_masks_and_resets_on_first_frame():
    t = _tracker()

    def frame(fid, boxes, scores, labels):
        s = DetDataSample(metainfo=dict(frame_id=fid))
        n = len(scores)
        masks = torch.zeros(n, 16, 16, dtype=torch.bool)
        for i in range(n):
            masks[i, i, i] = True
        s.pred_det_instances = InstanceData(
            bboxes=torch.tensor(boxes, dtype=torch.float32).view(-1, 4),
            scores=torch.tensor(scores), labels=torch.tensor(labels), masks=masks)
        return s

    res = t.track(frame(0, [[0, 0, 4, 4], [8, 8, 12, 12]], [0.9, 0.8], [0, 0]),
                  embeds=np.array([[1.0, 0.0], [0.0, 1.0]]))
    assert res.instances_id.tolist() == [0, 1] and res.masks.shape == (2, 16, 16)
    # two detections both wanting track 0: the second (higher score) wins, the first is
    # dropped together with its mask
    res = t.track(frame(1, [[0, 0, 4, 4], [0, 0, 4, 4]], [0.5, 0.95], [0, 0]),
                  embeds=np.array([[1.0, 0.0], [1.0, 0.0]]))
    assert res.instances_id.tolist() == [0]
    assert res.masks.shape == (1, 16, 16) and bool(res.masks[0, 1, 1])
    # frame 0 of a new video: ids restart
    res = t.track(frame(0, [[0, 0, 4, 4]], [0.9], [1]), embeds=np.array([[1.0, 0.0]]))
    assert res.instances_id.tolist() == [0] and t.num_tracks == 1
    # a frame without detections
    res = t.track(frame(1, np.zeros((0, 4)), [], []), embeds=np.zeros((0, 2)))
    assert len(res.instances_id) == 0 and res.masks.shape == (0, 16, 16)


def test_bad_config_and_missing_embeds():
    with pytest.raises(ValueError, match="unknown match_weights keys"):
        MODELS.build(dict(type="MaskTrackRCNNTracker", match_weights=dict(appearance=1.0)))
    t = MODELS.build(dict(type="MaskTrackRCNNTracker"))
    assert t.match_weights == W and t.num_frames_retain == 20
    with pytest.raises(ValueError, match="embeds"):
        t.update(np.zeros((1, 4)), np.ones(1), np.zeros(1, np.int64), 0)
