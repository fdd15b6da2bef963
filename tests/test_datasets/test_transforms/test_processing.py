import numpy as np
import pytest

from mmtrack.registry import TRANSFORMS

BOXES = np.array([[8, 4, 16, 12], [18, 9, 25, 17]], np.float32)


def _frame(seed=0, h=40, w=64):
    rng = np.random.default_rng(seed)
    masks = np.zeros((2, h, w), bool)
    masks[0, 4:12, 8:16] = True
    masks[1, 9:17, 18:25] = True
    return dict(
        img=rng.integers(0, 256, (h, w, 3), dtype=np.uint8),
        img_shape=(h, w),
        ori_shape=(h, w),
        gt_bboxes=BOXES.copy(),
        gt_bboxes_labels=np.array([0, 1]),
        gt_instances_ids=np.array([5, 6]),
        gt_ignore_flags=np.array([False, False]),
        gt_masks=masks,
    )


def _clip(n=4):
    frames = [_frame(seed=i) for i in range(n)]
    return {k: [f[k] for f in frames] for k in frames[0]}


def test_resize_fixed_and_keep_ratio():
    out = TRANSFORMS.build(dict(type="Resize", scale=(32, 20)))(_frame())
    # 64x40 -> 32x20: both factors 0.5
    assert out["img"].shape == (20, 32, 3) and out["img_shape"] == (20, 32)
    assert out["scale_factor"] == (0.5, 0.5)
    np.testing.assert_allclose(out["gt_bboxes"], BOXES * 0.5)
    assert out["gt_masks"].shape == (2, 20, 32) and out["gt_masks"][0, 2:6, 4:8].all()
    # keep ratio into (100, 50): factor min(100 / 64, 50 / 40) = 1.25 -> 80x50
    out = TRANSFORMS.build(dict(type="Resize", scale=(100, 50), keep_ratio=True))(_frame())
    assert out["img_shape"] == (50, 80) and out["scale_factor"] == (1.25, 1.25)
    np.testing.assert_allclose(out["gt_bboxes"], [[10, 5, 20, 15], [22.5, 11.25, 31.25, 21.25]])
    # a second resize composes the scale factor (original -> current)
    out = TRANSFORMS.build(dict(type="Resize", scale_factor=2.0))(out)
    assert out["img_shape"] == (100, 160) and out["scale_factor"] == (2.5, 2.5)


def test_resize_clips_boxes():
    frame = _frame()
    frame["gt_bboxes"] = np.array([[-4, -2, 70, 50]], np.float32)
    out = TRANSFORMS.build(dict(type="Resize", scale=(32, 20)))(dict(frame))
    np.testing.assert_allclose(out["gt_bboxes"], [[0, 0, 32, 20]])
    frame["gt_bboxes"] = np.array([[-4, -2, 70, 50]], np.float32)
    out = TRANSFORMS.build(dict(type="Resize", scale=(32, 20), clip_object_border=False))(frame)
    np.testing.assert_allclose(out["gt_bboxes"], [[-2, -1, 35, 25]])


def test_random_resize_shares_scale_over_a_clip():
    t = dict(type="RandomResize", scale=(64, 40), ratio_range=(0.5, 2.0), keep_ratio=True)
    shapes = set()
    for seed in range(6):
        np.random.seed(seed)
        out = TRANSFORMS.build(
            dict(type="TransformBroadcaster", share_random_params=True, transforms=[t])
        )(_clip())
        assert len(set(out["img_shape"])) == 1
        h, w = out["img_shape"][0]
        sx, sy = out["scale_factor"][0]
        for boxes in out["gt_bboxes"]:
            np.testing.assert_allclose(boxes, np.minimum(BOXES * [sx, sy, sx, sy], [w, h, w, h]))
        shapes.add(out["img_shape"][0])
    assert len(shapes) > 1  # the scale is random across clips


def test_random_resize_range_of_scales():
    t = TRANSFORMS.build(dict(type="RandomResize", scale=[(30, 20), (40, 25)]))
    for seed in range(5):
        np.random.seed(seed)
        h, w = t(_frame())["img_shape"]
        assert 30 <= w <= 40 and 20 <= h <= 25


@pytest.mark.parametrize(
    "direction, expected",
    [
        # w = 64: x -> 64 - x; h = 40: y -> 40 - y
        ("horizontal", [[48, 4, 56, 12], [39, 9, 46, 17]]),
        ("vertical", [[8, 28, 16, 36], [18, 23, 25, 31]]),
        ("diagonal", [[48, 28, 56, 36], [39, 23, 46, 31]]),
    ],
)
def test_flip_boxes_pixels_masks(direction, expected):
    frame = _frame()
    img = frame["img"].copy()
    out = TRANSFORMS.build(dict(type="RandomFlip", prob=1.0, direction=direction))(frame)
    assert out["flip"] is True and out["flip_direction"] == direction
    np.testing.assert_allclose(out["gt_bboxes"], expected)
    r, c = (
        (0, 63) if direction == "horizontal" else (39, 0) if direction == "vertical" else (39, 63)
    )
    np.testing.assert_array_equal(out["img"][0, 0], img[r, c])
    x1, y1, x2, y2 = map(int, expected[0])
    assert out["gt_masks"][0].sum() == 64 and out["gt_masks"][0, y1:y2, x1:x2].all()
    out = TRANSFORMS.build(dict(type="RandomFlip", prob=0.0))(_frame())
    assert out["flip"] is False and out["flip_direction"] is None


def test_flip_all_or_none_in_a_shared_clip():
    outcomes = set()
    for seed in range(12):
        np.random.seed(seed)
        out = TRANSFORMS.build(
            dict(
                type="TransformBroadcaster",
                share_random_params=True,
                transforms=[dict(type="RandomFlip", prob=0.5)],
            )
        )(_clip())
        assert len(set(out["flip"])) == 1
        outcomes.add(out["flip"][0])
        if out["flip"][0]:
            for boxes in out["gt_bboxes"]:
                np.testing.assert_allclose(boxes, [[48, 4, 56, 12], [39, 9, 46, 17]])
    assert outcomes == {True, False}
    mixed = False
    for seed in range(12):
        np.random.seed(seed)
        out = TRANSFORMS.build(
            dict(type="TransformBroadcaster", transforms=[dict(type="RandomFlip", prob=0.5)])
        )(_clip())
        mixed |= len(set(out["flip"])) == 2
    assert mixed  # without sharing, frames are flipped independently


def test_pad():
    out = TRANSFORMS.build(dict(type="Pad", size_divisor=32, pad_val=7))(_frame())
    assert out["img"].shape == (64, 64, 3) and out["pad_shape"] == (64, 64)
    assert (out["img"][40:] == 7).all()
    assert out["gt_masks"].shape == (2, 64, 64) and not out["gt_masks"][:, 40:].any()
    np.testing.assert_array_equal(out["gt_bboxes"], BOXES)
    out = TRANSFORMS.build(dict(type="Pad", size=(70, 45)))(_frame())
    assert out["img_shape"] == (45, 70)
    out = TRANSFORMS.build(dict(type="Pad", pad_to_square=True))(_frame())
    assert out["img_shape"] == (64, 64)
    with pytest.raises(ValueError, match="smaller"):
        TRANSFORMS.build(dict(type="Pad", size=(10, 10)))(_frame())


def test_random_crop_shifts_clips_and_drops():
    frame = _frame()
    frame["gt_bboxes"] = np.array([[8, 4, 16, 12], [18, 9, 25, 17], [50, 30, 60, 38]], np.float32)
    frame["gt_bboxes_labels"] = np.array([0, 1, 2])
    frame["gt_instances_ids"] = np.array([5, 6, 7])
    frame["gt_ignore_flags"] = np.array([False, False, True])
    frame["gt_masks"] = np.zeros((3, 40, 64), bool)
    img = frame["img"].copy()
    crop = TRANSFORMS.build(dict(type="RandomCrop", crop_size=(20, 30)))
    crop._rand_offset = lambda margin_h, margin_w: (5, 10)  # window y 5..25, x 10..40
    out = crop(frame)
    np.testing.assert_array_equal(out["img"], img[5:25, 10:40])
    # minus (10, 5), clipped to 30x20; the third box falls outside and is dropped
    np.testing.assert_allclose(out["gt_bboxes"], [[0, 0, 6, 7], [8, 4, 15, 12]])
    assert out["gt_instances_ids"].tolist() == [5, 6] and out["gt_bboxes_labels"].tolist() == [0, 1]
    assert out["gt_masks"].shape == (2, 20, 30) and out["img_shape"] == (20, 30)
    # nothing left in the window: None (the dataset draws again)
    frame = _frame()
    crop._rand_offset = lambda margin_h, margin_w: (20, 34)
    assert crop(frame) is None


def test_photometric_distortion_steps():
    t = TRANSFORMS.build(dict(type="PhotoMetricDistortion"))
    off = dict(mode=0, brightness=0, contrast=0, saturation=0, hue=0, swap=0)
    params = dict(
        off, brightness=1, delta=10.0, alpha=1.0, saturation_value=1.0, hue_value=0.0,
        permutation=np.array([2, 1, 0]),
    )  # fmt: skip
    t._random_params = lambda: params
    img = np.array([[[0, 100, 250]]], np.uint8)
    np.testing.assert_array_equal(t(dict(img=img.copy()))["img"], [[[10, 110, 255]]])
    params.update(brightness=0, contrast=1, alpha=0.5, mode=1, swap=1)
    np.testing.assert_array_equal(t(dict(img=img.copy()))["img"], [[[125, 50, 0]]])
    # saturation 0 turns a colour to grey of its value (max channel)
    params.update(contrast=0, swap=0, saturation=1, saturation_value=0.0)
    np.testing.assert_array_equal(t(dict(img=img.copy()))["img"], [[[250, 250, 250]]])


def test_photometric_shared_over_a_clip():
    same = _frame(seed=3)["img"]
    clip = dict(img=[same.copy() for _ in range(3)])
    np.random.seed(1)
    out = TRANSFORMS.build(
        dict(
            type="TransformBroadcaster",
            share_random_params=True,
            transforms=[dict(type="PhotoMetricDistortion")],
        )
    )(clip)
    assert all(np.array_equal(out["img"][0], o) for o in out["img"][1:])


def test_yolox_hsv_on_grey():
    t = TRANSFORMS.build(dict(type="YOLOXHSVRandomAug"))
    t._get_hsv_gains = lambda: np.array([3, 20, 10], np.int16)
    # a grey pixel has S = 0 and V = its level; +10 value gives a grey of 110
    # (the saturation gain moves S to 20 of 255, i.e. 100 * (1 - 20/255) ~ 102 min channel)
    out = t(dict(img=np.full((2, 2, 3), 100, np.uint8)))["img"]
    assert out.max() == 110 and out.dtype == np.uint8
    t._get_hsv_gains = lambda: np.array([0, 0, 10], np.int16)
    out = t(dict(img=np.full((2, 2, 3), 100, np.uint8)))["img"]
    np.testing.assert_array_equal(out, np.full((2, 2, 3), 110))


def test_filter_annotations():
    frame = _frame()
    frame["gt_bboxes"] = np.array([[0, 0, 1, 5], [0, 0, 2, 2]], np.float32)
    out = TRANSFORMS.build(dict(type="FilterAnnotations", min_gt_bbox_wh=(1, 1)))(frame)
    assert out["gt_instances_ids"].tolist() == [6]  # width 1 is not > 1
    frame = _frame()
    frame["gt_bboxes"] = np.array([[0, 0, 1, 1]] * 2, np.float32)
    assert TRANSFORMS.build(dict(type="FilterAnnotations"))(dict(frame)) is None
    kept = TRANSFORMS.build(dict(type="FilterAnnotations", keep_empty=False))(frame)
    assert len(kept["gt_bboxes"]) == 0


def test_broadcaster_drops_the_clip_when_a_frame_is_dropped():
    clip = _clip(2)
    clip["gt_bboxes"][1] = np.array([[50, 30, 60, 38]], np.float32)
    for k in ("gt_bboxes_labels", "gt_instances_ids", "gt_ignore_flags"):
        clip[k][1] = clip[k][1][:1]
    clip["gt_masks"][1] = clip["gt_masks"][1][:1]
    t = TRANSFORMS.build(
        dict(type="TransformBroadcaster", transforms=[dict(type="RandomCrop", crop_size=(20, 30))])
    )
    t.transforms.transforms[0]._rand_offset = lambda margin_h, margin_w: (0, 0)
    assert t(clip) is None


def test_check_pad_mask_validity():
    t = TRANSFORMS.build(dict(type="CheckPadMaskValidity", stride=4))
    img = np.zeros((16, 16, 3), np.uint8)
    partly = np.zeros((16, 16), bool)
    partly[:, 8:] = True  # right half padded: the 4x4 feature map is not all padding
    assert t(dict(img=[img, img], padding_mask=[partly, partly])) is not None
    full = np.ones((16, 16), bool)
    assert t(dict(img=[img, img], padding_mask=[partly, full])) is None
