import numpy as np
import pytest

from mmtrack.datasets.transforms.random_affine import affine_matrix
from mmtrack.registry import TRANSFORMS


def _sample(value, boxes, h=10, w=20, labels=None):
    boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
    n = len(boxes)
    return dict(
        img=np.full((h, w, 3), value, np.uint8),
        img_shape=(h, w),
        gt_bboxes=boxes,
        gt_bboxes_labels=np.arange(n) if labels is None else np.asarray(labels),
        gt_ignore_flags=np.zeros(n, bool),
    )


def test_mosaic_places_images_and_boxes():
    t = TRANSFORMS.build(dict(type="Mosaic", img_scale=(20, 20)))
    t._random_state = lambda: (0.0, 1.0, 1.0)  # centre (20, 20) of a 40x40 canvas
    res = _sample(10, [[2, 1, 6, 5]], labels=[0])
    res["mix_results"] = [
        _sample(v, [[2, 1, 6, 5]], labels=[k]) for k, v in ((1, 20), (2, 30), (3, 40))
    ]
    out = t(res)
    img = out["img"]
    assert img.shape == (40, 40, 3) and out["img_shape"] == (40, 40)
    # 20x10 images (scale min(20/10, 20/20) = 1) with a corner on (20, 20)
    assert (img[10:20, 0:20] == 10).all() and (img[10:20, 20:40] == 20).all()
    assert (img[20:30, 0:20] == 30).all() and (img[20:30, 20:40] == 40).all()
    assert (img[0:10] == 114).all() and (img[30:] == 114).all()
    np.testing.assert_allclose(
        out["gt_bboxes"], [[2, 11, 6, 15], [22, 11, 26, 15], [2, 21, 6, 25], [22, 21, 26, 25]]
    )
    assert out["gt_bboxes_labels"].tolist() == [0, 1, 2, 3] and "mix_results" not in out


def test_mosaic_cuts_at_the_canvas_and_drops_outside_boxes():
    t = TRANSFORMS.build(dict(type="Mosaic", img_scale=(20, 20)))
    t._random_state = lambda: (0.0, 0.5, 1.0)  # centre (10, 20)
    res = _sample(10, [[2, 1, 6, 5], [14, 1, 18, 5]])
    res["mix_results"] = [_sample(v, np.zeros((0, 4))) for v in (20, 30, 40)]
    out = t(res)
    # top-left image pasted at x 0..10 from its columns 10..20: offset (-10, 10)
    assert (out["img"][10:20, 0:10] == 10).all()
    np.testing.assert_allclose(out["gt_bboxes"], [[4, 11, 8, 15]])
    assert out["gt_bboxes_labels"].tolist() == [1]
    with pytest.raises(ValueError, match="mix_results"):
        t(_sample(1, []))


def test_mixup_blends_and_appends_boxes():
    t = TRANSFORMS.build(dict(type="MixUp", img_scale=(20, 20)))
    t._random_state = lambda: (1.0, False, 0.0, 0.0)
    res = _sample(100, [[1, 1, 3, 3]], labels=[0])
    res["mix_results"] = [_sample(50, [[2, 1, 6, 5]], labels=[7])]
    out = t(res)
    # other image 20x10 fits the 20x20 canvas at scale 1; the window is its top 10 rows
    assert (out["img"] == 75).all()
    np.testing.assert_allclose(out["gt_bboxes"], [[1, 1, 3, 3], [2, 1, 6, 5]])
    assert out["gt_bboxes_labels"].tolist() == [0, 7]


def test_mixup_offset_flip_and_filter():
    t = TRANSFORMS.build(dict(type="MixUp", img_scale=(20, 20)))
    # window from row int(0.5 * (20 - 10 + 1)) = 5; flipped horizontally
    t._random_state = lambda: (1.0, True, 0.5, 0.0)
    res = _sample(100, [[1, 1, 3, 3]], labels=[0])
    res["mix_results"] = [_sample(50, [[2, 1, 6, 5], [2, 6, 6, 9]], labels=[7, 8])]
    out = t(res)
    # rows 5..9 of the window are the other image, rows 10..14 the 114 padding
    assert (out["img"][:5] == 75).all() and (out["img"][5:] == 107).all()
    # flip in the 20-wide canvas: x -> 20 - x; shift by -5 in y; the first box
    # ends at y = 0 and is dropped
    np.testing.assert_allclose(out["gt_bboxes"], [[1, 1, 3, 3], [14, 1, 18, 4]])
    assert out["gt_bboxes_labels"].tolist() == [0, 8]
    # no box in the other sample: unchanged image
    res = _sample(100, [[1, 1, 3, 3]])
    res["mix_results"] = [_sample(50, np.zeros((0, 4)))]
    assert (t(res)["img"] == 100).all()


def test_affine_matrix_and_projection():
    m = affine_matrix(90, 1.0, 0, 0, 20, 0)
    # (x, y) -> (-y + 20, x)
    np.testing.assert_allclose(m @ [3, 2, 1], [18, 3, 1], atol=1e-5)
    t = TRANSFORMS.build(dict(type="RandomAffine"))
    t._random_matrix = lambda height, width: m
    res = _sample(5, [[2, 3, 6, 7], [2, 15, 6, 18]], h=20, w=20)
    out = t(res)
    # corners of [2, 3, 6, 7] -> x in 13..17, y in 2..6; the second box lands at
    # x in 2..5, y in 2..6
    np.testing.assert_allclose(out["gt_bboxes"], [[13, 2, 17, 6], [2, 2, 5, 6]], atol=1e-4)
    scale = affine_matrix(0, 2.0, 0, 0, 0, 0)
    t._random_matrix = lambda height, width: scale
    out = t(_sample(5, [[2, 3, 6, 7], [12, 12, 16, 16]], h=20, w=20))
    # x2: the second box goes to 24..32, outside the 20x20 output: dropped
    np.testing.assert_allclose(out["gt_bboxes"], [[4, 6, 12, 14]])
    assert out["gt_bboxes_labels"].tolist() == [0]
    # negative border shrinks the output
    t = TRANSFORMS.build(dict(type="RandomAffine", border=(-5, -2)))
    t._random_matrix = lambda height, width: np.eye(3, dtype=np.float32)
    assert t(_sample(5, [[2, 3, 6, 7]], h=20, w=20))["img"].shape == (16, 10, 3)
