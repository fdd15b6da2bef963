import numpy as np
import pytest
from pycocotools import mask as mask_api

from mmtrack.registry import TRANSFORMS


def _results(**kw):
    res = dict(
        img_path="x.png",
        height=4,
        width=6,
        instances=[
            dict(bbox=[0, 0, 4, 2], bbox_label=1, instance_id=7, ignore_flag=0,
                 mask=[[0, 0, 4, 0, 4, 2, 0, 2]]),
            dict(bbox=[1, 1, 3, 3], bbox_label=0, instance_id=3, ignore_flag=1,
                 mask=[[1, 1, 3, 1, 3, 3, 1, 3]]),
        ],
    )  # fmt: skip
    res.update(kw)
    return res


def test_arrays_and_dtypes():
    out = TRANSFORMS.build(dict(type="LoadTrackAnnotations", with_mask=True))(_results())
    assert out["gt_bboxes"].dtype == np.float32
    np.testing.assert_array_equal(out["gt_bboxes"], [[0, 0, 4, 2], [1, 1, 3, 3]])
    assert out["gt_bboxes_labels"].dtype == np.int64 and out["gt_bboxes_labels"].tolist() == [1, 0]
    assert out["gt_instances_ids"].tolist() == [7, 3]
    assert out["gt_ignore_flags"].dtype == bool and out["gt_ignore_flags"].tolist() == [False, True]
    # a rectangle polygon (x0, y0)-(x1, y1) covers pixels x0..x1-1, y0..y1-1
    expected = np.zeros((2, 4, 6), bool)
    expected[0, 0:2, 0:4] = True
    expected[1, 1:3, 1:3] = True
    np.testing.assert_array_equal(out["gt_masks"], expected)


def test_empty_frame_keeps_shapes():
    out = TRANSFORMS.build(dict(type="LoadTrackAnnotations", with_mask=True))(
        _results(instances=[])
    )
    assert out["gt_bboxes"].shape == (0, 4) and out["gt_instances_ids"].shape == (0,)
    assert out["gt_masks"].shape == (0, 4, 6)


def test_rle_masks():
    bitmap = np.zeros((4, 6), np.uint8)
    bitmap[1:3, 2:5] = 1
    compressed = mask_api.encode(np.asfortranarray(bitmap))
    compressed["counts"] = compressed["counts"].decode("ascii")  # as stored in JSON
    res = _results()
    res["instances"][0]["mask"] = compressed
    # uncompressed RLE, column-major counts: 5 zeros, 1 one, 18 zeros -> pixel (1, 1)
    res["instances"][1]["mask"] = dict(size=[4, 6], counts=[5, 1, 18])
    out = TRANSFORMS.build(dict(type="LoadTrackAnnotations", with_mask=True))(res)
    np.testing.assert_array_equal(out["gt_masks"][0], bitmap.astype(bool))
    assert out["gt_masks"][1].sum() == 1 and out["gt_masks"][1][1, 1]


def test_detection_variant_has_no_ids():
    out = TRANSFORMS.build(dict(type="LoadAnnotations"))(_results())
    assert "gt_instances_ids" not in out and out["gt_bboxes"].shape == (2, 4)


def test_malformed_instances_name_the_image_and_field():
    t = TRANSFORMS.build(dict(type="LoadTrackAnnotations", with_mask=True))
    res = _results(frame_id=3)
    del res["instances"][1]["instance_id"]
    with pytest.raises(KeyError) as e:
        t(res)
    assert (
        "x.png" in str(e.value) and "'instance_id'" in str(e.value) and "frame_id=3" in str(e.value)
    )
    res = _results()
    res["instances"][0]["bbox"] = [4, 0, 0, 2]
    with pytest.raises(ValueError, match="'bbox'"):
        t(res)
    res = _results()
    res["instances"][0]["mask"] = [[0, 0, 1, 1]]
    with pytest.raises(ValueError, match="polygon"):
        t(res)


def test_load_image(tmp_path):
    from tests.helpers.data import write_image

    path = str(tmp_path / "a.png")
    img = write_image(path, 5, 7, seed=1)
    out = TRANSFORMS.build(dict(type="LoadImageFromFile"))(dict(img_path=path))
    np.testing.assert_array_equal(out["img"], img)
    assert out["ori_shape"] == (5, 7) and out["img_shape"] == (5, 7)
    with pytest.raises(FileNotFoundError, match="b.png"):
        TRANSFORMS.build(dict(type="LoadImageFromFile"))(dict(img_path=str(tmp_path / "b.png")))
