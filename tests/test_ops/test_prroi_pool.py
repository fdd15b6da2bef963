"""Tests of Precise RoI Pooling: closed-form cases, numerical integration, gradients."""

from __future__ import annotations

import pytest
import torch

from mmtrack.ops import PrRoIPool, prroi_pool
from mmtrack.registry import MODELS


def _bilinear(feat: torch.Tensor, y: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Bilinear interpolation of ``feat (C, H, W)`` at points ``(P,)``; zero outside the map.

    Pixel (i, j) sits at (y, x) = (i, j); each point mixes its four surrounding
    pixels with weights (1 - |dy|) (1 - |dx|), as PreciseRoIPooling's kernel does.
    """
    c, h, w = feat.shape
    y0, x0 = y.floor(), x.floor()
    out = feat.new_zeros(c, y.numel())
    for dy in (0, 1):
        for dx in (0, 1):
            yi, xi = y0 + dy, x0 + dx
            coeff = (1 - (y - yi).abs()) * (1 - (x - xi).abs())
            inside = (yi >= 0) & (yi < h) & (xi >= 0) & (xi < w)
            vals = feat[:, yi.clamp(0, h - 1).long(), xi.clamp(0, w - 1).long()]
            out += torch.where(inside, coeff, torch.zeros_like(coeff)) * vals
    return out


def _riemann_prroi(feat, rois, out_size, scale, samples=120):
    """Mean of the interpolated map over each bin by a dense midpoint rule."""
    ph_n, pw_n = out_size
    out = torch.zeros(rois.size(0), feat.size(1), ph_n, pw_n, dtype=torch.float64)
    t = (torch.arange(samples, dtype=torch.float64) + 0.5) / samples
    for k, roi in enumerate(rois.tolist()):
        b = int(roi[0])
        x1, y1, x2, y2 = (v * scale for v in roi[1:])
        bw, bh = (x2 - x1) / pw_n, (y2 - y1) / ph_n
        for ph in range(ph_n):
            for pw in range(pw_n):
                ys = y1 + (ph + t) * bh
                xs = x1 + (pw + t) * bw
                yy, xx = torch.meshgrid(ys, xs, indexing="ij")
                vals = _bilinear(feat[b].double(), yy.flatten(), xx.flatten())
                out[k, :, ph, pw] = vals.mean(dim=1)
    return out


def _bin_centres(roi, out_size, scale):
    ph_n, pw_n = out_size
    x1, y1, x2, y2 = (v * scale for v in roi[1:])
    bw, bh = (x2 - x1) / pw_n, (y2 - y1) / ph_n
    cy = torch.tensor([y1 + (p + 0.5) * bh for p in range(ph_n)], dtype=torch.float64)
    cx = torch.tensor([x1 + (q + 0.5) * bw for q in range(pw_n)], dtype=torch.float64)
    return cy[:, None], cx[None, :]


def test_constant_map_gives_the_constant():
    feat = torch.full((1, 2, 8, 9), 3.7, dtype=torch.float64)
    rois = torch.tensor([[0, 0.5, 1.2, 6.3, 6.9], [0, 0.0, 0.0, 8.0, 7.0]], dtype=torch.float64)
    out = prroi_pool(feat, rois, (3, 4))
    torch.testing.assert_close(out, torch.full_like(out, 3.7))


def test_linear_and_bilinear_maps_give_the_bin_centre_value():
    h, w = 10, 12
    ii, jj = torch.meshgrid(
        torch.arange(h, dtype=torch.float64), torch.arange(w, dtype=torch.float64), indexing="ij"
    )
    # interpolation reproduces these maps exactly between pixel centres, and the mean
    # of a linear (or separable bilinear) function over a rectangle is its centre value
    linear = 0.5 * jj - 1.25 * ii + 2.0
    bilinear = (jj - 1.5) * (ii + 0.25)
    feat = torch.stack([linear, bilinear])[None]
    rois = [[0, 1.0, 2.0, 20.0, 16.0], [0, 3.3, 0.2, 21.5, 17.9]]  # inside the map at scale 1/2
    out = prroi_pool(feat, torch.tensor(rois, dtype=torch.float64), (3, 2), spatial_scale=0.5)
    for k, roi in enumerate(rois):
        cy, cx = _bin_centres(roi, (3, 2), 0.5)
        torch.testing.assert_close(out[k, 0], 0.5 * cx - 1.25 * cy + 2.0)
        torch.testing.assert_close(out[k, 1], (cx - 1.5) * (cy + 0.25))


def test_matches_numerical_integration_with_boxes_leaving_the_map():
    g = torch.Generator().manual_seed(0)
    feat = torch.randn(2, 3, 7, 8, generator=g, dtype=torch.float64)
    rois = torch.tensor(
        [
            [1, 1.4, 2.2, 11.6, 9.0],
            [0, -4.0, -3.0, 6.2, 5.5],  # starts outside the map (zero padding)
            [1, 10.0, 8.0, 19.0, 16.0],  # ends outside
            [0, 3.3, 3.7, 3.9, 4.1],  # smaller than a pixel
        ],
        dtype=torch.float64,
    )
    out = prroi_pool(feat, rois, (2, 3), spatial_scale=0.75)
    ref = _riemann_prroi(feat, rois, (2, 3), 0.75)
    torch.testing.assert_close(out, ref, rtol=0, atol=2e-4)
    # a single-image call per roi gives the same values (batch routing is right)
    for k in range(rois.size(0)):
        b = int(rois[k, 0])
        single = rois[k : k + 1].clone()
        single[:, 0] = 0
        torch.testing.assert_close(
            out[k : k + 1], prroi_pool(feat[b : b + 1], single, (2, 3), 0.75)
        )


def test_hand_computed_integral_of_one_pixel():
    # one pixel of value 1 at (y, x) = (2, 2): f is the pyramid (1-|x-2|)(1-|y-2|).
    feat = torch.zeros(1, 1, 5, 5, dtype=torch.float64)
    feat[0, 0, 2, 2] = 1.0
    # over [2, 3] x [2, 3] the mean is (1/2) * (1/2)
    out = prroi_pool(feat, torch.tensor([[0, 2.0, 2.0, 3.0, 3.0]], dtype=torch.float64), 1)
    assert out.item() == pytest.approx(0.25)
    # over [1, 3] x [1, 3] the integral is 1 and the area 4
    out = prroi_pool(feat, torch.tensor([[0, 1.0, 1.0, 3.0, 3.0]], dtype=torch.float64), 1)
    assert out.item() == pytest.approx(0.25)
    # over [1.5, 2] x [2, 2.5]: x-integral of (1 - (2 - x)) on [1.5, 2] = 0.375,
    # same for y on [2, 2.5]; area 0.25 -> 0.375^2 / 0.25
    out = prroi_pool(feat, torch.tensor([[0, 1.5, 2.0, 2.0, 2.5]], dtype=torch.float64), 1)
    assert out.item() == pytest.approx(0.375**2 / 0.25)


def test_zero_area_and_inverted_rois_pool_zero():
    feat = torch.randn(1, 2, 6, 6, dtype=torch.float64, requires_grad=True)
    rois = torch.tensor(
        [[0, 2.0, 2.0, 2.0, 4.0], [0, 3.0, 3.0, 1.0, 1.0], [0, 1.0, 1.0, 5.0, 1.0]],
        dtype=torch.float64,
        requires_grad=True,
    )
    out = prroi_pool(feat, rois, 2)
    assert out.abs().max().item() == 0.0
    out.sum().backward()
    assert torch.isfinite(feat.grad).all() and torch.isfinite(rois.grad).all()
    assert feat.grad.abs().max().item() == 0.0


def test_gradcheck_features_and_boxes():
    g = torch.Generator().manual_seed(1)
    feat = torch.randn(2, 2, 6, 7, generator=g, dtype=torch.float64, requires_grad=True)
    batch = torch.tensor([[1.0], [0.0], [1.0]], dtype=torch.float64)
    boxes = torch.tensor(
        [[0.7, 1.1, 5.3, 4.9], [-1.2, 0.4, 3.8, 6.7], [2.25, 2.5, 9.5, 8.0]],
        dtype=torch.float64,
        requires_grad=True,
    )

    def fn(f, b):
        return prroi_pool(f, torch.cat([batch, b], dim=1), (2, 3), spatial_scale=0.8)

    assert torch.autograd.gradcheck(fn, (feat, boxes))


def test_module_empty_and_errors():
    layer = MODELS.build(dict(type="PrRoIPool", output_size=5, spatial_scale=0.25))
    assert isinstance(layer, PrRoIPool)
    assert repr(layer) == "PrRoIPool(output_size=(5, 5), spatial_scale=0.25)"
    feat = torch.randn(2, 3, 8, 8)
    rois = torch.tensor([[1.0, 4, 4, 20, 24]])
    torch.testing.assert_close(layer(feat, rois), prroi_pool(feat, rois, 5, 0.25))
    assert layer(feat, torch.zeros((0, 5))).shape == (0, 3, 5, 5)
    with pytest.raises(ValueError, match="batch indices"):
        prroi_pool(feat, torch.tensor([[2.0, 0, 0, 4, 4]]), 2)
    with pytest.raises(ValueError, match="rois"):
        prroi_pool(feat, torch.zeros(3, 4), 2)


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_matches_cpu():
    g = torch.Generator().manual_seed(2)
    feat = torch.randn(2, 3, 7, 8, generator=g)
    rois = torch.tensor([[1, 1.4, 2.2, 11.6, 9.0], [0, -4.0, -3.0, 6.2, 5.5]])
    torch.testing.assert_close(
        prroi_pool(feat.cuda(), rois.cuda(), 3, 0.75).cpu(), prroi_pool(feat, rois, 3, 0.75)
    )
