"""Tests of bbox_overlaps: hand-computed fractions, torchvision equality, shapes."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torchvision

from mmtrack.ops import bbox_overlaps

A = [0.0, 0.0, 10.0, 10.0]
B = [5.0, 0.0, 15.0, 10.0]  # IoU(A, B) = 50 / 150
C = [20.0, 20.0, 30.0, 30.0]  # disjoint from A; enclosing box of A, C is 30 x 30
D = [2.0, 2.0, 4.0, 6.0]  # inside A, area 8


def _random_boxes(n: int, seed: int, batch: tuple = ()) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    xy = torch.rand(*batch, n, 2, generator=g, dtype=torch.float64) * 50
    wh = torch.rand(*batch, n, 2, generator=g, dtype=torch.float64) * 30 + 0.5
    return torch.cat([xy, xy + wh], dim=-1)


def test_iou_iof_giou_by_hand():
    b1 = torch.tensor([A, B], dtype=torch.float64)
    b2 = torch.tensor([A, B, C, D], dtype=torch.float64)
    iou = bbox_overlaps(b1, b2)
    expected_iou = torch.tensor(
        [
            [1.0, 1 / 3, 0.0, 8 / 100],
            [1 / 3, 1.0, 0.0, 0.0],
        ],
        dtype=torch.float64,
    )
    torch.testing.assert_close(iou, expected_iou)
    # iof divides by the area of bboxes1
    iof = bbox_overlaps(b1, b2, mode="iof")
    expected_iof = torch.tensor(
        [[1.0, 0.5, 0.0, 8 / 100], [0.5, 1.0, 0.0, 0.0]], dtype=torch.float64
    )
    torch.testing.assert_close(iof, expected_iof)
    iof_rev = bbox_overlaps(torch.tensor([D], dtype=torch.float64), b1, mode="iof")
    torch.testing.assert_close(iof_rev, torch.tensor([[1.0, 0.0]], dtype=torch.float64))
    # giou = iou - (enclose - union) / enclose
    giou = bbox_overlaps(b1, b2, mode="giou")
    # A vs C: union 200, enclose [0,0,30,30] = 900 -> -700/900
    # B vs C: union 200, enclose [5,0,30,30] = 750 -> -550/750
    # B vs D: union 108, enclose [2,0,15,10] = 130 -> -22/130
    expected_giou = torch.tensor(
        [
            [1.0, 1 / 3, -7 / 9, 8 / 100],
            [1 / 3, 1.0, -550 / 750, -22 / 130],
        ],
        dtype=torch.float64,
    )
    torch.testing.assert_close(giou, expected_giou)


def test_aligned_is_the_diagonal():
    b1 = _random_boxes(20, seed=0)
    b2 = _random_boxes(20, seed=1)
    for mode in ("iou", "iof", "giou"):
        full = bbox_overlaps(b1, b2, mode=mode)
        aligned = bbox_overlaps(b1, b2, mode=mode, is_aligned=True)
        assert aligned.shape == (20,)
        torch.testing.assert_close(aligned, torch.diagonal(full))


def test_matches_torchvision_box_iou_and_giou():
    b1 = _random_boxes(30, seed=2)
    b2 = _random_boxes(40, seed=3)
    torch.testing.assert_close(bbox_overlaps(b1, b2), torchvision.ops.box_iou(b1, b2))
    torch.testing.assert_close(
        bbox_overlaps(b1, b2, mode="giou"), torchvision.ops.generalized_box_iou(b1, b2)
    )


def test_batch_dims():
    b1 = _random_boxes(5, seed=4, batch=(2, 3))
    b2 = _random_boxes(7, seed=5, batch=(2, 3))
    out = bbox_overlaps(b1, b2, mode="giou")
    assert out.shape == (2, 3, 5, 7)
    for i in range(2):
        for j in range(3):
            torch.testing.assert_close(
                out[i, j], torchvision.ops.generalized_box_iou(b1[i, j], b2[i, j])
            )
    aligned = bbox_overlaps(b1, b1.flip(-2), is_aligned=True)
    assert aligned.shape == (2, 3, 5)


@pytest.mark.parametrize(
    "shape1, shape2, aligned, out_shape",
    [
        ((0, 4), (3, 4), False, (0, 3)),
        ((2, 4), (0, 4), False, (2, 0)),
        ((0, 4), (0, 4), False, (0, 0)),
        ((0, 4), (0, 4), True, (0,)),
        ((2, 0, 4), (2, 3, 4), False, (2, 0, 3)),
        ((2, 0, 4), (2, 0, 4), True, (2, 0)),
    ],
)
def test_empty_inputs(shape1, shape2, aligned, out_shape):
    for mode in ("iou", "iof", "giou"):
        out = bbox_overlaps(torch.zeros(shape1), torch.zeros(shape2), mode=mode, is_aligned=aligned)
        assert out.shape == out_shape


def test_zero_area_and_degenerate_boxes():
    point = torch.tensor([[3.0, 3.0, 3.0, 3.0]])
    # identical points: overlap 0, union clamped to eps -> 0
    torch.testing.assert_close(bbox_overlaps(point, point), torch.zeros(1, 1))
    # point against a box: 0 overlap; giou = 0 - (enclose - union) / enclose with
    # enclose = A's 100 and union 100 -> 0
    torch.testing.assert_close(
        bbox_overlaps(point, torch.tensor([A]), mode="giou"), torch.zeros(1, 1)
    )
    # a point outside A: enclose [0,0,12,12] = 144, union 100 -> -44/144
    far = torch.tensor([[12.0, 12.0, 12.0, 12.0]], dtype=torch.float64)
    torch.testing.assert_close(
        bbox_overlaps(far, torch.tensor([A], dtype=torch.float64), mode="giou"),
        torch.tensor([[-44 / 144]], dtype=torch.float64),
    )
    # iof of a zero-area box: overlap 0 over eps
    torch.testing.assert_close(
        bbox_overlaps(point, torch.tensor([A]), mode="iof"), torch.zeros(1, 1)
    )
    # eps is the floor of the denominator: a 1e-4 x 1e-4 box inside A has iof = 1e-8 / 1e-6
    tiny = torch.tensor([[1.0, 1.0, 1.0001, 1.0001]], dtype=torch.float64)
    iof = bbox_overlaps(tiny, torch.tensor([A], dtype=torch.float64), mode="iof")
    torch.testing.assert_close(iof, torch.tensor([[1e-8 / 1e-6]], dtype=torch.float64))


def test_numpy_in_numpy_out():
    out = bbox_overlaps(np.array([A], np.float32), np.array([B], np.float32))
    assert isinstance(out, np.ndarray)
    np.testing.assert_allclose(out, [[1 / 3]], rtol=1e-6)


def test_giou_is_differentiable():
    b1 = _random_boxes(6, seed=8).requires_grad_()
    b2 = _random_boxes(6, seed=9)
    assert torch.autograd.gradcheck(
        lambda x: bbox_overlaps(x, b2, mode="giou", is_aligned=True), (b1,)
    )


def test_bad_inputs():
    with pytest.raises(ValueError, match="mode"):
        bbox_overlaps(torch.zeros(1, 4), torch.zeros(1, 4), mode="diou")
    with pytest.raises(ValueError, match="is_aligned"):
        bbox_overlaps(torch.zeros(2, 4), torch.zeros(3, 4), is_aligned=True)
    with pytest.raises(ValueError, match="shape"):
        bbox_overlaps(torch.zeros(2, 5), torch.zeros(3, 4))
    with pytest.raises(ValueError, match="batch dims"):
        bbox_overlaps(torch.zeros(2, 2, 4), torch.zeros(3, 2, 4))


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_matches_cpu():
    b1, b2 = _random_boxes(30, seed=2).float(), _random_boxes(40, seed=3).float()
    for mode in ("iou", "iof", "giou"):
        torch.testing.assert_close(
            bbox_overlaps(b1.cuda(), b2.cuda(), mode=mode).cpu(), bbox_overlaps(b1, b2, mode=mode)
        )
