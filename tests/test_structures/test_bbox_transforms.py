"""Tests of the box helpers in mmtrack.structures.bbox on hand-written numbers."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mmtrack.structures.bbox import (
    bbox2roi,
    bbox_clip,
    bbox_cxcyah_to_xyxy,
    bbox_cxcywh_to_xyxy,
    bbox_flip,
    bbox_rescale,
    bbox_xywh_to_xyxy,
    bbox_xyxy_to_cxcyah,
    bbox_xyxy_to_cxcywh,
    bbox_xyxy_to_xywh,
    box_convert,
    roi2bbox,
    scale_boxes,
)

# the same two boxes in every format, worked out by hand
XYXY = [[10.0, 20.0, 40.0, 80.0], [0.0, 0.0, 4.0, 2.0]]
XYWH = [[10.0, 20.0, 30.0, 60.0], [0.0, 0.0, 4.0, 2.0]]
CXCYWH = [[25.0, 50.0, 30.0, 60.0], [2.0, 1.0, 4.0, 2.0]]
CXCYAH = [[25.0, 50.0, 0.5, 60.0], [2.0, 1.0, 2.0, 2.0]]
FORMATS = {"xyxy": XYXY, "xywh": XYWH, "cxcywh": CXCYWH, "cxcyah": CXCYAH}


@pytest.mark.parametrize("as_numpy", [False, True])
def test_named_converters_by_hand(as_numpy):
    def arr(x):
        return np.array(x, np.float32) if as_numpy else torch.tensor(x)

    cases = [
        (bbox_xyxy_to_cxcywh, XYXY, CXCYWH),
        (bbox_cxcywh_to_xyxy, CXCYWH, XYXY),
        (bbox_xyxy_to_xywh, XYXY, XYWH),
        (bbox_xywh_to_xyxy, XYWH, XYXY),
        (bbox_xyxy_to_cxcyah, XYXY, CXCYAH),
        (bbox_cxcyah_to_xyxy, CXCYAH, XYXY),
    ]
    for fn, src, dst in cases:
        out = fn(arr(src))
        assert isinstance(out, np.ndarray if as_numpy else torch.Tensor), fn.__name__
        np.testing.assert_allclose(np.asarray(out), dst, err_msg=fn.__name__)


@pytest.mark.parametrize("in_fmt", list(FORMATS))
@pytest.mark.parametrize("out_fmt", list(FORMATS))
def test_box_convert_all_pairs(in_fmt, out_fmt):
    src = torch.tensor(FORMATS[in_fmt])
    out = box_convert(src, in_fmt, out_fmt)
    torch.testing.assert_close(out, torch.tensor(FORMATS[out_fmt]))
    out_np = box_convert(np.array(FORMATS[in_fmt]), in_fmt, out_fmt)
    np.testing.assert_allclose(out_np, FORMATS[out_fmt])


def test_box_convert_same_format_copies_and_round_trips():
    src = torch.tensor(XYXY)
    same = box_convert(src, "xyxy", "xyxy")
    same[0, 0] = -1
    assert src[0, 0] == 10.0
    src_np = np.array(XYXY)
    same_np = box_convert(src_np, "xyxy", "xyxy")
    same_np[0, 0] = -1
    assert src_np[0, 0] == 10.0

    g = torch.Generator().manual_seed(0)
    xy = torch.rand(3, 5, 2, generator=g, dtype=torch.float64) * 100
    boxes = torch.cat([xy, xy + torch.rand(3, 5, 2, generator=g, dtype=torch.float64) * 50 + 1], -1)
    for fmt in ("xywh", "cxcywh", "cxcyah"):
        there = box_convert(boxes, "xyxy", fmt)
        assert there.shape == (3, 5, 4)
        torch.testing.assert_close(box_convert(there, fmt, "xyxy"), boxes)
    torch.testing.assert_close(
        box_convert(box_convert(boxes, "xywh", "cxcyah"), "cxcyah", "xywh"), boxes
    )


def test_box_convert_errors():
    with pytest.raises(ValueError, match="unknown format"):
        box_convert(torch.tensor(XYXY), "xyxy", "xyah")
    with pytest.raises(ValueError, match="unknown format"):
        box_convert(torch.tensor(XYXY), "ltrb", "xyxy")


@pytest.mark.parametrize("as_numpy", [False, True])
def test_clip(as_numpy):
    boxes = [[-5.0, 10.0, 40.0, 60.0], [1.0, -2.0, 3.0, 4.0]]
    src = np.array(boxes, np.float32) if as_numpy else torch.tensor(boxes)
    out = bbox_clip(src, (50, 30))  # h = 50, w = 30
    np.testing.assert_allclose(np.asarray(out), [[0, 10, 30, 50], [1, 0, 3, 4]])
    assert np.asarray(src)[0, 0] == -5.0  # input untouched


@pytest.mark.parametrize("as_numpy", [False, True])
def test_flip_three_directions(as_numpy):
    box = [[10.0, 5.0, 40.0, 30.0]]
    src = np.array(box, np.float32) if as_numpy else torch.tensor(box)
    shape = (100, 200)  # h, w
    expected = {
        "horizontal": [[160.0, 5.0, 190.0, 30.0]],
        "vertical": [[10.0, 70.0, 40.0, 95.0]],
        "diagonal": [[160.0, 70.0, 190.0, 95.0]],
    }
    for direction, exp in expected.items():
        out = bbox_flip(src, shape, direction)
        np.testing.assert_allclose(np.asarray(out), exp, err_msg=direction)
        np.testing.assert_allclose(np.asarray(bbox_flip(out, shape, direction)), box)
    np.testing.assert_allclose(np.asarray(bbox_flip(src, shape)), expected["horizontal"])
    with pytest.raises(ValueError, match="direction"):
        bbox_flip(src, shape, "sideways")


def test_rescale_and_scale_boxes():
    boxes = torch.tensor([[10.0, 20.0, 40.0, 80.0]])
    # centre (25, 50), size 30 x 60 doubled -> 60 x 120
    torch.testing.assert_close(bbox_rescale(boxes, 2.0), torch.tensor([[-5.0, -10.0, 55.0, 110.0]]))
    torch.testing.assert_close(bbox_rescale(boxes, 0.5), torch.tensor([[17.5, 35.0, 32.5, 65.0]]))
    np.testing.assert_allclose(bbox_rescale(boxes.numpy(), 1.0), boxes.numpy())
    # (sx, sy) = (2, 0.5)
    torch.testing.assert_close(
        scale_boxes(boxes, (2.0, 0.5)), torch.tensor([[20.0, 10.0, 80.0, 40.0]])
    )
    np.testing.assert_allclose(scale_boxes(boxes.numpy(), [2.0, 0.5]), [[20, 10, 80, 40]])
    assert boxes[0, 0] == 10.0


def test_bbox2roi_and_roi2bbox():
    b0 = torch.tensor([[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]])
    b1 = torch.zeros((0, 4))
    b2 = torch.tensor([[9.0, 10.0, 11.0, 12.0, 0.9]])  # extra score column is dropped
    rois = bbox2roi([b0, b1, b2])
    expected = torch.tensor(
        [[0, 1.0, 2, 3, 4], [0, 5.0, 6, 7, 8], [2, 9.0, 10, 11, 12]],
    )
    torch.testing.assert_close(rois, expected)
    # back to per-image boxes: only images that have rois appear (MMDetection semantics)
    boxes = roi2bbox(rois)
    assert len(boxes) == 2
    torch.testing.assert_close(boxes[0], b0)
    torch.testing.assert_close(boxes[1], b2[:, :4])
    assert bbox2roi([]).shape == (0, 5)
    assert roi2bbox(torch.zeros((0, 5))) == []
