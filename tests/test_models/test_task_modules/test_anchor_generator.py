"""AnchorGenerator against hand-computed anchors."""

import math

import pytest
import torch

from mmtrack.models.task_modules.prior_generators import anchor_inside_flags
from mmtrack.registry import TASK_UTILS
from mmtrack.utils import register_all_modules

register_all_modules()


def test_single_anchor_grid_offset_zero():
    gen = TASK_UTILS.build(
        dict(type="AnchorGenerator", strides=[16], ratios=[1.0], scales=[1.0], base_sizes=[9])
    )
    anchors = gen.grid_priors([(2, 2)], device="cpu")[0]
    # centres on grid points (0,0), (16,0), (0,16), (16,16), half size 4.5
    expect = torch.tensor(
        [
            [-4.5, -4.5, 4.5, 4.5],
            [11.5, -4.5, 20.5, 4.5],
            [-4.5, 11.5, 4.5, 20.5],
            [11.5, 11.5, 20.5, 20.5],
        ]
    )
    assert torch.allclose(anchors, expect)


def test_rpn_base_anchors_ratio_major():
    gen = TASK_UTILS.build(
        dict(type="AnchorGenerator", strides=[4, 8], ratios=[0.5, 1.0, 2.0], scales=[8])
    )
    assert gen.num_base_priors == [3, 3] and gen.num_levels == 2
    for level, stride in enumerate([4, 8]):
        base = gen.base_anchors[level]
        size = stride * 8
        for i, r in enumerate([0.5, 1.0, 2.0]):
            w, h = size / math.sqrt(r), size * math.sqrt(r)
            assert base[i].tolist() == pytest.approx([-w / 2, -h / 2, w / 2, h / 2], rel=1e-5)
    # location-major order: anchor k of location (y, x) at index (y * W + x) * A + k
    anchors = gen.grid_priors([(3, 5), (2, 3)], device="cpu")
    assert anchors[0].shape == (3 * 5 * 3, 4) and anchors[1].shape == (2 * 3 * 3, 4)
    y, x, k = 2, 3, 1
    a = anchors[0][(y * 5 + x) * 3 + k]
    assert a.tolist() == pytest.approx([x * 4 - 16, y * 4 - 16, x * 4 + 16, y * 4 + 16])
    # sparse priors pick the same anchors
    idx = torch.tensor([0, (y * 5 + x) * 3 + k, 44])
    sparse = gen.sparse_priors(idx, (3, 5), 0, device="cpu")
    assert torch.allclose(sparse, anchors[0][idx])


def test_octave_scales_center_offset_and_rect_stride():
    gen = TASK_UTILS.build(
        dict(
            type="AnchorGenerator",
            strides=[8],
            ratios=[1.0],
            octave_base_scale=4,
            scales_per_octave=3,
            center_offset=0.5,
        )
    )
    sizes = [32 * 2 ** (i / 3) for i in range(3)]
    base = gen.base_anchors[0]
    for i, s in enumerate(sizes):
        assert base[i].tolist() == pytest.approx([4 - s / 2, 4 - s / 2, 4 + s / 2, 4 + s / 2])
    rect = TASK_UTILS.build(
        dict(type="AnchorGenerator", strides=[(8, 4)], ratios=[1.0], scales=[1.0])
    )
    a = rect.grid_priors([(2, 2)], device="cpu")[0]
    # base size is min(8, 4) = 4; shifts 8 in x and 4 in y
    assert a[3].tolist() == pytest.approx([8 - 2, 4 - 2, 8 + 2, 4 + 2])
    with pytest.raises(ValueError, match="either scales"):
        TASK_UTILS.build(dict(type="AnchorGenerator", strides=[8], ratios=[1.0]))
    with pytest.raises(ValueError, match="center_offset"):
        TASK_UTILS.build(
            dict(type="AnchorGenerator", strides=[8], ratios=[1.0], scales=[1], center_offset=2)
        )


def test_valid_flags_and_inside_flags():
    gen = TASK_UTILS.build(
        dict(type="AnchorGenerator", strides=[16], ratios=[1.0, 2.0], scales=[1.0])
    )
    # padded batch 64x64 -> 4x4 feature map; this image padded to 40x20 -> ceil 3 rows, 2 cols
    flags = gen.valid_flags([(4, 4)], (40, 20), device="cpu")[0]
    assert flags.shape == (4 * 4 * 2,)
    grid = flags.view(4, 4, 2)
    assert grid[:3, :2].all() and not grid[3].any() and not grid[:, 2:].any()
    anchors = gen.grid_priors([(4, 4)], device="cpu")[0]
    inside = anchor_inside_flags(anchors, flags, (40, 20), allowed_border=0)
    # square anchors of 16 around (x, y): inside iff x-8 >= 0, x+8 < 20, ...
    # only none at x=0 (x1=-8), at x=16 x2=24 >= 20 -> no anchor fully inside
    assert not inside.any()
    assert torch.equal(anchor_inside_flags(anchors, flags, (40, 20), allowed_border=-1), flags)
    inside8 = anchor_inside_flags(anchors, flags, (40, 20), allowed_border=8)
    # allowed 8: x1 >= -8 and x2 < 28 -> x in {0, 16}; y2 < 48 -> y in {0,16,32}; ratio 1 only
    # (ratio 2 anchors are 16*sqrt2 tall: y1 = y - 11.3 >= -8 fails at y=0)
    g8 = inside8.view(4, 4, 2)
    assert g8[:3, :2, 0].all() and g8[1:3, :2, 1].all() and not g8[0, :, 1].any()
