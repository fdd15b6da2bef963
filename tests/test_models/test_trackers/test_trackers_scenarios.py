"""Hand-made scenarios with known answers for the motion-only trackers."""

import numpy as np
import pytest

from mmtrack.registry import MODELS
from mmtrack.utils import register_all_modules

register_all_modules()


def box(x, y, w=20.0, h=40.0):
    return [x, y, x + w, y + h]


def run(tracker, frames):
    """frames: list of (boxes, scores); returns per-frame {id: box index}."""
    out = []
    for f, (boxes, scores) in enumerate(frames):
        b = np.array(boxes, dtype=float).reshape(-1, 4)
        s = np.array(scores, dtype=float)
        res = tracker.update(b, s, np.zeros(len(b), dtype=int), f)
        out.append(res)
    return out


def ids_of(res, b):
    """Id assigned to the output row whose box equals ``b`` (None if not output)."""
    for bb, i in zip(res["bboxes"], res["ids"]):
        if np.allclose(bb, b):
            return int(i)
    return None


TRACKERS = [
    dict(type="SORTTracker", match_iou_thr=0.3),
    dict(type="ByteTracker"),
    dict(type="OCSORTTracker"),
    dict(type="BoTSORTTracker"),
]


@pytest.mark.parametrize("cfg", TRACKERS, ids=lambda c: c["type"])
def test_two_crossing_objects_keep_ids(cfg):
    tracker = MODELS.build(cfg)
    frames = []
    for f in range(16):
        a = box(10 + 6 * f, 50)  # moving right
        b = box(110 - 6 * f, 58)  # moving left, crossing a around f = 8
        frames.append(([a, b], [0.9, 0.9]))
    res = run(tracker, frames)
    first_a, first_b = ids_of(res[0], frames[0][0][0]), ids_of(res[0], frames[0][0][1])
    assert first_a != first_b
    for f in range(16):
        assert ids_of(res[f], frames[f][0][0]) == first_a, f
        assert ids_of(res[f], frames[f][0][1]) == first_b, f


def test_low_score_detection_continues_track_in_bytetrack_not_sort():
    frames = [([box(10 + 4 * f, 10)], [0.9]) for f in range(5)]
    frames.append(([box(30, 10)], [0.3]))  # low score at frame 5
    frames.append(([box(34, 10)], [0.9]))
    byte = run(MODELS.build(dict(type="ByteTracker")), frames)
    sort = run(MODELS.build(dict(type="SORTTracker", match_iou_thr=0.3)), frames)
    assert ids_of(byte[5], box(30, 10)) == 0
    assert ids_of(byte[6], box(34, 10)) == 0
    # SORT drops the 0.3 detection (obj_score_thr 0.3) and, matching only tracks
    # seen in the previous frame, starts a new track at frame 6.
    assert ids_of(sort[5], box(30, 10)) is None
    assert ids_of(sort[6], box(34, 10)) == 1


@pytest.mark.parametrize("gap,same_id", [(3, True), (6, False)])
def test_lost_track_revived_only_within_retain_window(gap, same_id):
    tracker = MODELS.build(dict(type="ByteTracker", num_frames_retain=5))
    frames = [([box(50, 50)], [0.9]) for _ in range(4)]
    frames += [([], []) for _ in range(gap)]
    frames.append(([box(50, 50)], [0.9]))
    frames.append(([box(50, 50)], [0.9]))
    frames.append(([box(50, 50)], [0.9]))
    res = run(tracker, frames)
    last = ids_of(res[-1], box(50, 50))
    assert (last == 0) is same_id
    if not same_id:
        assert last == 1


def test_ocsort_recovers_id_after_occlusion_that_sort_loses():
    frames = []
    for f in range(20):
        b = box(10 + 5 * f, 30)
        frames.append(([b], [0.9]) if not 8 <= f <= 11 else ([], []))
    oc = run(MODELS.build(dict(type="OCSORTTracker")), frames)
    sort = run(MODELS.build(dict(type="SORTTracker", match_iou_thr=0.3)), frames)
    assert ids_of(oc[12], box(70, 30)) == 0
    assert ids_of(oc[19], box(105, 30)) == 0
    assert ids_of(sort[12], box(70, 30)) == 1


def test_reset_restarts_ids():
    tracker = MODELS.build(dict(type="ByteTracker"))
    run(tracker, [([box(0, 0), box(100, 0)], [0.9, 0.9])])
    tracker.reset()
    assert tracker.empty
    res = run(tracker, [([box(0, 0)], [0.9])])
    assert res[0]["ids"].tolist() == [0]


def test_classes_are_never_matched_across():
    tracker = MODELS.build(dict(type="ByteTracker"))
    b = np.array([box(0, 0)], dtype=float)
    tracker.update(b, np.array([0.9]), np.array([0]), 0)
    res = tracker.update(b, np.array([0.9]), np.array([1]), 1)
    assert res["ids"].tolist() == [1]


def test_deepsort_appearance_keeps_id_through_a_jump():
    tracker = MODELS.build(
        dict(
            type="SORTTracker",
            match_iou_thr=0.3,
            num_tentatives=1,
            reid=dict(num_samples=5, match_score_thr=0.5),
        )
    )
    emb = np.array([[1.0, 0.0]])
    for f in range(3):
        tracker.update(
            np.array([box(50 + 2 * f, 50)], dtype=float),
            np.array([0.9]),
            np.array([0]),
            f,
            embeds=emb,
        )
    # A detection 12 px away (no IoU with the prediction above 0.3 needed): appearance
    # matches inside the Mahalanobis gate.
    res = tracker.update(
        np.array([box(62, 52)], dtype=float), np.array([0.9]), np.array([0]), 3, embeds=emb
    )
    assert res["ids"].tolist() == [0]
    # A different appearance 10 px further (inside the gate, IoU with the prediction
    # below 0.3 as well) is a new object.
    res = tracker.update(
        np.array([box(76, 52)], dtype=float),
        np.array([0.9]),
        np.array([0]),
        4,
        embeds=np.array([[0.0, 1.0]]),
    )
    assert res["ids"].tolist() == [1]


def test_botsort_reid_and_cmc_keep_id_through_camera_pan():
    import cv2

    rng = np.random.default_rng(0)
    base = cv2.GaussianBlur((rng.random((240, 320)) * 255).astype(np.uint8), (0, 0), 5)
    base = cv2.normalize(base, None, 0, 255, cv2.NORM_MINMAX)
    tracker = MODELS.build(
        dict(
            type="BoTSORTTracker",
            with_reid=True,
            cmc=dict(type="CameraMotionCompensation", method="sparse_flow"),
        )
    )
    emb = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    ids = []
    for f in range(6):
        # The camera pans 25 px per frame from frame 3 on: static objects jump in the image.
        shift = 0 if f < 3 else 25 * (f - 2)
        img = cv2.warpAffine(base, np.float32([[1, 0, shift], [0, 1, 0]]), (320, 240))
        img = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
        b = np.array([box(60 + shift, 80), box(200 + shift, 80)], dtype=float)
        res = tracker.update(b, np.array([0.9, 0.9]), np.array([0, 0]), f, img=img, embeds=emb)
        ids.append(res["ids"].tolist())
    assert ids == [[0, 1]] * 6


def _bounce_frames(v=3.0):
    """Two objects meet (fully overlapping at frame 10) and bounce back."""
    xa, xb, va, vb = 40.0, 100.0, v, -v
    out = []
    for f in range(24):
        out.append((xa, xb))
        if f == 10:
            va, vb = -v, v
        xa += va
        xb += vb
    return out


def _ids_of_a(cfg):
    tracker = MODELS.build(cfg)
    emb = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    ids = []
    for f, (xa, xb) in enumerate(_bounce_frames()):
        b = np.array([box(xa, 50), box(xb, 52)])
        res = tracker.update(b, np.array([0.9, 0.9]), np.array([0, 0]), f, embeds=emb)
        ids.append(ids_of(res, b[0]))
    return ids


@pytest.mark.parametrize(
    "cfg",
    [
        dict(type="SORTTracker", match_iou_thr=0.3),
        dict(type="ByteTracker"),
        dict(type="OCSORTTracker"),
    ],
    ids=lambda c: c["type"],
)
def test_motion_only_trackers_swap_ids_on_a_bounce(cfg):
    # The constant-velocity prediction carries each track through the other object.
    ids = _ids_of_a(cfg)
    assert ids[:11] == [0] * 11 and ids[12:] == [1] * 12


@pytest.mark.parametrize(
    "cfg",
    [dict(type="StrongSORTTracker"), dict(type="DeepOCSORTTracker")],
    ids=lambda c: c["type"],
)
def test_appearance_keeps_ids_on_a_bounce(cfg):
    assert _ids_of_a(cfg) == [0] * 24


def test_deep_ocsort_adaptive_weight_by_hand():
    tracker = MODELS.build(dict(type="DeepOCSORTTracker", appearance_weight=0.75, aw_epsilon=0.5))
    tracker.tracks.add(embeds=np.array([[1.0, 0.0], [0.6, 0.8]]))
    dets = np.array([[1.0, 0.0], [0.0, 1.0]])
    bonus = tracker._pair_bonus(
        np.array([0, 1]),
        np.array([0, 1]),
        np.array([0, 1, 1]),
        np.array([0, 0, 1]),
        dict(embeds=dets),
    )
    # sim = [[1, 0], [0.6, 0.8]]; row gaps min(1-0, .5)=.5, min(.8-.6, .5)=.2;
    # column gaps min(1-.6, .5)=.4, min(.8-0, .5)=.5
    w = np.array([[0.75 + 0.25 + 0.2, 0.75 + 0.25 + 0.25], [0.75 + 0.1 + 0.2, 0.75 + 0.1 + 0.25]])
    sim = np.array([[1.0, 0.0], [0.6, 0.8]])
    np.testing.assert_allclose(
        bonus, [w[0, 0] * sim[0, 0], w[1, 0] * sim[1, 0], w[1, 1] * sim[1, 1]]
    )


def test_strongsort_ema_update_by_hand():
    tracker = MODELS.build(dict(type="StrongSORTTracker", num_tentatives=1))
    b = np.array([box(10, 10)], dtype=float)
    tracker.update(b, np.array([0.9]), np.array([0]), 0, embeds=np.array([[1.0, 0.0]]))
    tracker.update(b, np.array([0.9]), np.array([0]), 1, embeds=np.array([[0.8, 0.6]]))
    e = 0.9 * np.array([1.0, 0.0]) + 0.1 * np.array([0.8, 0.6])
    np.testing.assert_allclose(tracker.tracks["embeds"][0], e / np.linalg.norm(e))


def test_quasi_dense_bisoftmax_and_backdrops_by_hand():
    tracker = MODELS.build(dict(type="QuasiDenseTracker"))
    b = np.array([box(0, 0), box(100, 0)], dtype=float)
    e = np.array([[2.0, 0.0], [0.0, 2.0]])
    tracker.update(b, np.array([0.9, 0.85]), np.array([0, 0]), 0, embeds=e)
    # Frame 1: the first detection's embedding is ambiguous: feats = [[2, 2], [0, 4]].
    e1 = np.array([[1.0, 1.0], [0.0, 2.0]])
    res = tracker.update(b, np.array([0.9, 0.85]), np.array([0, 0]), 1, embeds=e1)
    # row softmax of [2, 2] = [.5, .5]; column softmax of [[2, 2], [0, 4]]:
    # col 0 = [e^2, 1] / (e^2 + 1), col 1 = [e^2, e^4] / (e^2 + e^4).
    s00 = (0.5 + np.exp(2) / (np.exp(2) + 1)) / 2
    s01 = (0.5 + np.exp(2) / (np.exp(2) + np.exp(4))) / 2
    assert s00 > 0.5 > s01  # so detection 0 keeps id 0, detection 1 id 1
    assert res["ids"].tolist() == [0, 1]
    # Memory EMA: 0.2 * old + 0.8 * new.
    np.testing.assert_allclose(tracker.tracks["embeds"][0], 0.2 * e[0] + 0.8 * e1[0])
    # A low-score detection similar to a tracklet is suppressed as its duplicate...
    res = tracker.update(
        np.array([box(300, 0)], dtype=float),
        np.array([0.4]),
        np.array([0]),
        2,
        embeds=np.array([[5.0, 5.0]]),
    )
    assert len(res["ids"]) == 0 and len(tracker.backdrops[0]["labels"]) == 0
    # ...while one of another class (no similarity) becomes a backdrop, not a track.
    res = tracker.update(
        np.array([box(300, 0)], dtype=float),
        np.array([0.4]),
        np.array([1]),
        3,
        embeds=np.array([[5.0, 5.0]]),
    )
    assert len(res["ids"]) == 0 and len(tracker.backdrops[0]["labels"]) == 1


def test_ocsort_direction_uses_observation_delta_t_frames_back():
    tracker = MODELS.build(dict(type="OCSORTTracker", vel_delta_t=3))
    for f in range(6):
        b = np.array([box(10 + 3 * f, 10 + 4 * f)], dtype=float)
        if f == 2:  # missed frame: the history keeps a hole
            b = np.zeros((0, 4))
        tracker.update(b, np.full(len(b), 0.9), np.zeros(len(b), dtype=int), f)
    # At frame 5 the history covers frames 2, 3, 4: frame 2 is a hole, so the direction
    # is from frame 3's box to frame 5's: (dy, dx) = (8, 6) / 10.
    np.testing.assert_allclose(tracker.tracks["velocity"][0], [0.8, 0.6], atol=1e-6)
    assert tracker.ids == [0]
