"""TracktorTracker and LinearMotion on hand-made scenarios with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from mmtrack.registry import MODELS, TASK_UTILS
from mmtrack.utils import register_all_modules

register_all_modules()

A = np.array([10.0, 10.0, 30.0, 50.0])
B = np.array([100.0, 10.0, 120.0, 50.0])


def _tracker(**kw):
    cfg = dict(type="TracktorTracker", reid=None)
    cfg.update(kw)
    return MODELS.build(cfg)


class Regressor:
    """Fake RoI head: returns the given boxes moved by ``shift`` with fixed scores."""

    def __init__(self, shift=(0, 0), scores=None):
        self.shift = np.array([shift[0], shift[1], shift[0], shift[1]], dtype=float)
        self.scores = scores
        self.calls = []

    def __call__(self, boxes, labels):
        self.calls.append(boxes.copy())
        s = np.full(len(boxes), 0.9) if self.scores is None else np.asarray(self.scores(boxes))
        return boxes + self.shift, s


def _step(t, frame, dets, scores=None, **kw):
    dets = np.asarray(dets, dtype=float).reshape(-1, 4)
    scores = np.full(len(dets), 0.9) if scores is None else np.asarray(scores, dtype=float)
    return t.update(dets, scores, np.zeros(len(dets), dtype=np.int64), frame, **kw)


def test_regressed_tracks_keep_ids_and_cover_detections():
    t = _tracker()
    reg = Regressor(shift=(2, 0))
    out = _step(t, 0, [A, B], regress=reg)
    assert out["ids"].tolist() == [0, 1]
    # detections near the regressed tracks (IoU >= 0.3) are dropped: no new ids
    out = _step(t, 1, [A + [2, 0, 2, 0], B + [2, 0, 2, 0]], regress=reg)
    assert out["ids"].tolist() == [0, 1]
    np.testing.assert_allclose(out["bboxes"], [A + [2, 0, 2, 0], B + [2, 0, 2, 0]])
    # the regressor saw last frame's boxes of both tracks
    np.testing.assert_allclose(reg.calls[-1], [A, B])
    # a far detection starts a new track after the regressed ones
    out = _step(t, 2, [[200, 100, 220, 140]], regress=reg)
    assert out["ids"].tolist() == [0, 1, 2]


def test_low_regression_score_kills_track_and_nms_between_tracks():
    t = _tracker()
    _step(t, 0, [A, B], regress=Regressor())
    # track 1's regression scores 0.4 <= 0.5: killed
    out = _step(t, 1, [], regress=Regressor(scores=lambda b: [0.9, 0.4]))
    assert out["ids"].tolist() == [0]
    # two tracks regressed onto the same box: NMS (IoU 0.6) keeps the better one
    t = _tracker()
    _step(t, 0, [A, A + [3, 0, 3, 0]], regress=Regressor())

    def onto_a(boxes, labels):
        return np.stack([A, A]), np.array([0.7, 0.95])

    out = t.update(np.zeros((0, 4)), np.zeros(0), np.zeros(0, np.int64), 1, regress=onto_a)
    assert out["ids"].tolist() == [1]


def test_low_detection_scores_are_ignored():
    t = _tracker(obj_score_thr=0.5)
    out = _step(t, 0, [A, B], scores=[0.5, 0.51], regress=Regressor())
    assert out["ids"].tolist() == [0]
    np.testing.assert_allclose(out["bboxes"], [B])


def _embed_by_x(boxes):
    # embedding = left edge / 10: two boxes at the same place look alike
    return np.stack([boxes[:, 0] / 10.0, np.zeros(len(boxes))], axis=1)


def test_reid_recovers_a_lost_track_within_retain():
    t = _tracker(reid=dict(num_samples=10, match_score_thr=2.0, match_iou_thr=0.2))
    reg = Regressor()
    _step(t, 0, [A], regress=reg, embed=_embed_by_x)
    # frame 1: regression fails, the track becomes inactive
    out = _step(t, 1, [], regress=Regressor(scores=lambda b: [0.1] * len(b)), embed=_embed_by_x)
    assert len(out["ids"]) == 0
    # frame 3: a detection at the same place with the same look takes the old id
    out = _step(t, 3, [A + [1, 0, 1, 0]], regress=reg, embed=_embed_by_x)
    assert out["ids"].tolist() == [0]
    # frame 4: it is regressed again as track 0
    out = _step(t, 4, [], regress=reg, embed=_embed_by_x)
    assert out["ids"].tolist() == [0]


def test_reid_rejects_far_embeddings_and_low_iou():
    far = dict(num_samples=10, match_score_thr=2.0, match_iou_thr=0.2)
    t = _tracker(reid=far)
    _step(t, 0, [A], regress=Regressor(), embed=_embed_by_x)
    _step(t, 1, [], regress=Regressor(scores=lambda b: [0.1]), embed=_embed_by_x)

    def other_look(boxes):
        return _embed_by_x(boxes) + [5.0, 0.0]  # distance 5 > 2

    out = _step(t, 2, [A], regress=Regressor(), embed=other_look)
    assert out["ids"].tolist() == [1]
    # same look but no overlap with the lost track's box: new id as well
    t = _tracker(reid=far)
    _step(t, 0, [A], regress=Regressor(), embed=lambda b: np.zeros((len(b), 2)))
    _step(
        t, 1, [], regress=Regressor(scores=lambda b: [0.1]), embed=lambda b: np.zeros((len(b), 2))
    )
    out = _step(t, 2, [B], regress=Regressor(), embed=lambda b: np.zeros((len(b), 2)))
    assert out["ids"].tolist() == [1]


def test_inactive_track_forgotten_after_num_frames_retain():
    t = _tracker(reid=dict(match_score_thr=2.0, match_iou_thr=0.2), num_frames_retain=3)
    _step(t, 0, [A], regress=Regressor(), embed=_embed_by_x)
    _step(t, 1, [], regress=Regressor(scores=lambda b: [0.1]), embed=_embed_by_x)
    # last seen at frame 0: at frame 3 (3 frames later) it is gone
    _step(t, 3, [], regress=Regressor(), embed=_embed_by_x)
    out = _step(t, 4, [A], regress=Regressor(), embed=_embed_by_x)
    assert out["ids"].tolist() == [1]


def test_linear_motion_moves_boxes_before_regression():
    t = _tracker()
    lm = TASK_UTILS.build(dict(type="LinearMotion", num_samples=2))
    reg = Regressor()
    _step(t, 0, [A], regress=reg, linear_motion=lm)
    _step(t, 1, [A + [4, 2, 4, 2]], regress=Regressor(shift=(4, 2)), linear_motion=lm)
    # velocity (4, 2) from the two boxes: frame 2 regresses from A + 2 * (4, 2)
    _step(t, 2, [], regress=reg, linear_motion=lm)
    np.testing.assert_allclose(reg.calls[-1], [A + [8, 4, 8, 4]])


class ShiftCMC:
    """Fake camera motion: the scene moves by (dx, dy) between frames."""

    def __init__(self, dx, dy):
        self.warp = np.array([[1.0, 0.0, dx], [0.0, 1.0, dy]])

    def get_warp_matrix(self, img, ref_img):
        return self.warp

    @staticmethod
    def warp_bboxes(boxes, warp):
        return boxes + np.array([warp[0, 2], warp[1, 2], warp[0, 2], warp[1, 2]])


def test_camera_motion_compensation_before_regression():
    t = _tracker()
    reg = Regressor()
    img = np.zeros((8, 8, 3), np.uint8)
    _step(t, 0, [A], regress=reg, img=img, cmc=ShiftCMC(5, -1))
    _step(t, 1, [], regress=reg, img=img, cmc=ShiftCMC(5, -1))
    np.testing.assert_allclose(reg.calls[-1], [A + [5, -1, 5, -1]])


def test_errors():
    t = _tracker(reid=dict(match_score_thr=2.0))
    with pytest.raises(ValueError, match="embed"):
        _step(t, 0, [A])
    t = _tracker()
    _step(t, 0, [A])
    with pytest.raises(ValueError, match="regress"):
        _step(t, 1, [A])
    with pytest.raises(ValueError, match="num_history"):
        _tracker(num_history=1)


def test_linear_motion_by_hand():
    lm = TASK_UTILS.build(dict(type="LinearMotion", num_samples=3))
    boxes = np.array([[0, 0, 10, 10], [2, 1, 12, 11], [6, 3, 16, 13.0]])
    # mean of consecutive differences over the last 3 boxes: ((2,1) + (4,2)) / 2
    np.testing.assert_allclose(lm.get_velocity(boxes), [3, 1.5, 3, 1.5])
    np.testing.assert_allclose(lm.get_velocity(boxes, num_samples=2), [4, 2, 4, 2])
    np.testing.assert_allclose(lm.get_velocity(boxes[:1]), [0, 0, 0, 0])
    np.testing.assert_allclose(lm.step(boxes[-1], [3, 1.5, 3, 1.5]), [9, 4.5, 19, 14.5])
    hist = np.stack([boxes, boxes * 2])
    np.testing.assert_allclose(
        lm.velocities(hist, np.array([3, 2])), [[3, 1.5, 3, 1.5], [8, 4, 8, 4]]
    )
    np.testing.assert_allclose(lm.velocities(hist, np.array([1, 0])), np.zeros((2, 4)))
    c = TASK_UTILS.build(dict(type="LinearMotion", num_samples=2, center_motion=True))
    grow = np.array([[0, 0, 10, 10], [0, 0, 14, 12.0]])  # centre (5, 5) -> (7, 6)
    np.testing.assert_allclose(c.get_velocity(grow), [2, 1])
    np.testing.assert_allclose(c.step(grow[-1], [2, 1]), [2, 1, 16, 13])
    with pytest.raises(ValueError, match="num_samples"):
        TASK_UTILS.build(dict(type="LinearMotion", num_samples=0))
