"""MlvlPointGenerator: grids written out by hand."""

import pytest
import torch

from mmtrack.registry import TASK_UTILS
from mmtrack.utils import register_all_modules

register_all_modules()


def _gen(strides, offset):
    return TASK_UTILS.build(dict(type="MlvlPointGenerator", strides=strides, offset=offset))


def test_grid_offset_zero_row_major_with_stride():
    gen = _gen([8, 16], offset=0)
    lvl0, lvl1 = gen.grid_priors([(2, 3), (1, 2)], device="cpu", with_stride=True)
    # level 0: H=2, W=3, stride 8; x varies fastest
    assert lvl0.tolist() == [
        [0, 0, 8, 8],
        [8, 0, 8, 8],
        [16, 0, 8, 8],
        [0, 8, 8, 8],
        [8, 8, 8, 8],
        [16, 8, 8, 8],
    ]
    assert lvl1.tolist() == [[0, 0, 16, 16], [16, 0, 16, 16]]
    assert gen.num_levels == 2 and gen.num_base_priors == [1, 1]


def test_grid_offset_half_rectangular_stride_and_dtype():
    gen = _gen([(4, 8)], offset=0.5)
    (pts,) = gen.grid_priors([(2, 2)], dtype=torch.float64, device="cpu")
    assert pts.dtype == torch.float64
    # x = (col + 0.5) * 4, y = (row + 0.5) * 8
    assert pts.tolist() == [[2, 4], [6, 4], [2, 12], [6, 12]]


def test_valid_flags_and_sparse_priors():
    gen = _gen([8], offset=0)
    # feature 3 x 4, valid image 20 x 17 -> ceil(20/8)=3 rows, ceil(17/8)=3 cols
    (flags,) = gen.valid_flags([(3, 4)], (20, 17), device="cpu")
    expected = [True, True, True, False] * 3
    assert flags.tolist() == expected
    # flat index 6 in a width-4 grid is row 1, col 2 -> (16, 8)
    pts = gen.sparse_priors(torch.tensor([6, 0]), (3, 4), 0, device="cpu")
    assert pts.tolist() == [[16, 8], [0, 0]]


def test_bad_input():
    gen = _gen([8, 16], offset=0)
    with pytest.raises(ValueError, match="2 strides"):
        gen.grid_priors([(2, 2)], device="cpu")
    with pytest.raises(ValueError, match="stride"):
        _gen([(8, 8, 8)], offset=0)
