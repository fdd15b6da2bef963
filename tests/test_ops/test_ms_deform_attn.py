"""Multi-scale deformable attention op against a naive per-point bilinear loop."""

from __future__ import annotations

import math

import pytest
import torch

from mmtrack.ops.ms_deform_attn import multi_scale_deformable_attn


def _bilinear(img: torch.Tensor, x: float, y: float) -> torch.Tensor:
    """Sample ``img`` (C, h, w) at normalised (x, y): pixel j spans [j/w, (j+1)/w)."""
    _, h, w = img.shape
    px, py = x * w - 0.5, y * h - 0.5  # continuous pixel-centre coordinates
    x0, y0 = math.floor(px), math.floor(py)
    out = img.new_zeros(img.shape[0])
    for yy, wy in ((y0, 1 - (py - y0)), (y0 + 1, py - y0)):
        for xx, wx in ((x0, 1 - (px - x0)), (x0 + 1, px - x0)):
            if 0 <= yy < h and 0 <= xx < w:
                out = out + img[:, yy, xx] * (wy * wx)
    return out


def _naive(value, shapes, loc, attw):
    bs, _, heads, ch = value.shape
    nq, levels, points = loc.shape[1], loc.shape[3], loc.shape[4]
    starts = [0]
    for h, w in shapes:
        starts.append(starts[-1] + h * w)
    out = value.new_zeros(bs, nq, heads * ch)
    for b in range(bs):
        for q in range(nq):
            for m in range(heads):
                acc = value.new_zeros(ch)
                for lv in range(levels):
                    h, w = shapes[lv]
                    img = value[b, starts[lv]:starts[lv + 1], m].T.reshape(ch, h, w)
                    for k in range(points):
                        x, y = loc[b, q, m, lv, k].tolist()
                        acc = acc + attw[b, q, m, lv, k] * _bilinear(img, x, y)
                out[b, q, m * ch:(m + 1) * ch] = acc
    return out


def _inputs(dtype=torch.float32, seed=0):
    g = torch.Generator().manual_seed(seed)
    shapes = [(3, 5), (2, 2)]
    bs, heads, ch, nq, points = 2, 2, 3, 4, 3
    value = torch.randn(bs, sum(h * w for h, w in shapes), heads, ch, generator=g, dtype=dtype)
    # some locations fall outside [0, 1] (zero padding is part of the contract)
    loc = torch.rand(bs, nq, heads, len(shapes), points, 2, generator=g, dtype=dtype) * 1.4 - 0.2
    attw = torch.rand(bs, nq, heads, len(shapes), points, generator=g, dtype=dtype)
    return value, shapes, loc, attw


def test_values_match_naive_bilinear_loop():
    value, shapes, loc, attw = _inputs()
    out = multi_scale_deformable_attn(value, torch.tensor(shapes), loc, attw)
    assert out.shape == (2, 4, 6)
    torch.testing.assert_close(out, _naive(value, shapes, loc, attw), atol=1e-5, rtol=1e-5)


def test_pixel_centre_reads_the_pixel_and_outside_reads_zero():
    value = torch.arange(6.0).view(1, 6, 1, 1)  # one level 2 x 3, pixel (r, c) = 3r + c
    loc = torch.tensor([[(2.5 / 3, 0.25)], [(0.5 / 3, 0.75)], [(1.2, 0.5)]]).view(1, 3, 1, 1, 1, 2)
    attw = torch.ones(1, 3, 1, 1, 1)
    out = multi_scale_deformable_attn(value, [(2, 3)], loc, attw)
    assert out.flatten().tolist() == pytest.approx([2.0, 3.0, 0.0])


def test_gradcheck_float64():
    value, shapes, loc, attw = _inputs(torch.float64, seed=1)
    value, loc, attw = value[:1, :, :1], loc[:1, :2, :1, :, :2], attw[:1, :2, :1, :, :2]
    # keep locations away from pixel-centre grid lines, where bilinear is not smooth
    loc = (loc * 0.9 + 0.013).requires_grad_()
    value.requires_grad_()
    attw.requires_grad_()
    assert torch.autograd.gradcheck(
        lambda v, s, a: multi_scale_deformable_attn(v, shapes, s, a), (value, loc, attw)
    )


def test_bad_spatial_shapes_is_one_value_error():
    value, shapes, loc, attw = _inputs()
    with pytest.raises(ValueError, match=r"sum\(h \* w\) = 16 .* value has 19"):
        multi_scale_deformable_attn(value, [(3, 4), (2, 2)], loc, attw)
    with pytest.raises(ValueError, match="attention_weights must have shape"):
        multi_scale_deformable_attn(value, shapes, loc, attw[..., :1])
