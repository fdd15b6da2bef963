"""Tests of roi_align / RoIAlign (avg and max) and roi_pool / RoIPool."""

from __future__ import annotations

import math

import pytest
import torch
import torchvision

from mmtrack.ops import RoIAlign, RoIPool, roi_align, roi_pool
from mmtrack.registry import MODELS


def _kernel_reference(feat, rois, out_size, scale, sampling_ratio, pool_mode, aligned):
    """mmcv's CPU RoIAlign kernel, element by element in float64 Python."""
    _, c, height, width = feat.shape
    ph_n, pw_n = out_size
    out = torch.zeros(rois.size(0), c, ph_n, pw_n, dtype=torch.float64)

    def bilinear(ch, y, x, b):
        if y < -1.0 or y > height or x < -1.0 or x > width:
            return 0.0
        y, x = max(y, 0.0), max(x, 0.0)
        y_low, x_low = int(y), int(x)
        if y_low >= height - 1:
            y_low = y_high = height - 1
            y = float(y_low)
        else:
            y_high = y_low + 1
        if x_low >= width - 1:
            x_low = x_high = width - 1
            x = float(x_low)
        else:
            x_high = x_low + 1
        ly, lx = y - y_low, x - x_low
        hy, hx = 1 - ly, 1 - lx
        f = feat[b, ch]
        return float(
            hy * hx * f[y_low, x_low]
            + hy * lx * f[y_low, x_high]
            + ly * hx * f[y_high, x_low]
            + ly * lx * f[y_high, x_high]
        )

    for k, roi in enumerate(rois.tolist()):
        b = int(roi[0])
        off = 0.5 if aligned else 0.0
        x1, y1, x2, y2 = (v * scale - off for v in roi[1:])
        rw, rh = x2 - x1, y2 - y1
        if not aligned:
            rw, rh = max(rw, 1.0), max(rh, 1.0)
        bh, bw = rh / ph_n, rw / pw_n
        gh = sampling_ratio if sampling_ratio > 0 else math.ceil(rh / ph_n)
        gw = sampling_ratio if sampling_ratio > 0 else math.ceil(rw / pw_n)
        for ch in range(c):
            for ph in range(ph_n):
                for pw in range(pw_n):
                    vals = [
                        bilinear(
                            ch,
                            y1 + ph * bh + (iy + 0.5) * bh / gh,
                            x1 + pw * bw + (ix + 0.5) * bw / gw,
                            b,
                        )
                        for iy in range(gh)
                        for ix in range(gw)
                    ]
                    if pool_mode == "avg":
                        out[k, ch, ph, pw] = sum(vals) / max(gh * gw, 1)
                    else:
                        out[k, ch, ph, pw] = max([-10000.0] + vals)
    return out


def _inputs(seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    feat = torch.randn(2, 3, 9, 11, generator=g, dtype=torch.float64)
    rois = torch.tensor(
        [
            [0, 1.3, 2.2, 12.7, 10.1],  # partly outside the 11 x 9 map at scale 1/1
            [1, -3.0, -2.5, 4.4, 5.6],  # starts outside
            [1, 2.0, 3.0, 2.4, 3.1],  # tiny
            [0, 0.0, 0.0, 21.0, 17.0],  # whole map at scale 0.5
            [0, 5.0, 5.0, 5.0, 5.0],  # zero size
        ],
        dtype=torch.float64,
    )
    return feat, rois


@pytest.mark.parametrize("pool_mode", ["avg", "max"])
@pytest.mark.parametrize("aligned", [True, False])
@pytest.mark.parametrize("sampling_ratio", [0, 2])
def test_roi_align_matches_kernel_reference(pool_mode, aligned, sampling_ratio):
    feat, rois = _inputs()
    for scale in (1.0, 0.5):
        out = roi_align(feat, rois, (2, 3), scale, sampling_ratio, pool_mode, aligned)
        ref = _kernel_reference(feat, rois, (2, 3), scale, sampling_ratio, pool_mode, aligned)
        torch.testing.assert_close(out, ref)


def test_roi_align_avg_equals_torchvision():
    feat, rois = _inputs(1)
    feat, rois = feat.float(), rois.float()
    for aligned in (True, False):
        out = roi_align(feat, rois, 7, 0.5, 0, "avg", aligned)
        ref = torchvision.ops.roi_align(feat, rois, 7, 0.5, 0, aligned)
        torch.testing.assert_close(out, ref, rtol=0, atol=0)


@pytest.mark.parametrize("mode", ["inference", "no_grad"])
def test_roi_align_split_over_threads_is_bit_identical(mode, monkeypatch):
    import importlib

    module = importlib.import_module("mmtrack.ops.roi_align")
    pools = []
    make_pool = module._thread_pool

    def counting_pool(workers):
        pools.append(workers)
        return make_pool(workers)

    monkeypatch.setattr(module, "_thread_pool", counting_pool)
    # 300 rois on 2 images, 3 threads: the rois are pooled in 3 concurrent chunks
    g = torch.Generator().manual_seed(3)
    feat = torch.randn(2, 8, 40, 50, generator=g)
    xy = torch.rand(300, 2, generator=g) * 150
    wh = 4 + torch.rand(300, 2, generator=g) * 60
    batch = torch.randint(0, 2, (300, 1), generator=g).float()
    rois = torch.cat([batch, xy, xy + wh], 1)
    ref = torchvision.ops.roi_align(feat, rois, 7, 0.25, 0, True)
    previous = torch.get_num_threads()
    torch.set_num_threads(3)
    try:
        ctx = torch.inference_mode() if mode == "inference" else torch.no_grad()
        with ctx:
            out = roi_align(feat, rois, 7, 0.25, 0, "avg", True)
        assert mode != "inference" or out.is_inference()
        assert pools == [3]
        torch.testing.assert_close(out, ref, rtol=0, atol=0)
        # with gradients needed it is one call, and the gradient flows
        feat.requires_grad_(True)
        out = roi_align(feat, rois, 7, 0.25, 0, "avg", True)
        out.sum().backward()
        assert pools == [3]
        assert feat.grad is not None and feat.grad.abs().sum() > 0
    finally:
        torch.set_num_threads(previous)


def test_roi_align_by_hand_on_linear_map():
    # f(x, y) = 4 y + x on a 4 x 4 map. aligned roi [0, 0, 2, 2] starts at -0.5;
    # with 2 x 2 samples per (single) bin they land on pixel centres 0 and 1.
    feat = torch.arange(16.0).reshape(1, 1, 4, 4)
    rois = torch.tensor([[0.0, 0.0, 0.0, 2.0, 2.0]])
    avg = roi_align(feat, rois, 1, sampling_ratio=2)
    assert avg.item() == pytest.approx((0 + 1 + 4 + 5) / 4)
    mx = roi_align(feat, rois, 1, sampling_ratio=2, pool_mode="max")
    assert mx.item() == pytest.approx(5.0)
    # legacy (aligned=False): samples at 0.5 and 1.5 -> mean 4 * 1 + 1 = 5, max 4 * 1.5 + 1.5
    avg = roi_align(feat, rois, 1, sampling_ratio=2, aligned=False)
    assert avg.item() == pytest.approx(5.0)
    mx = roi_align(feat, rois, 1, sampling_ratio=2, pool_mode="max", aligned=False)
    assert mx.item() == pytest.approx(7.5)


def test_roi_align_max_outside_samples_and_empty_bins():
    feat = -torch.ones(1, 1, 4, 4)
    # samples at x = -2.5 (more than one pixel outside) count as 0, so the max is 0
    rois = torch.tensor([[0.0, -3.0, 0.0, 1.0, 1.0]])
    out = roi_align(feat, rois, (1, 2), sampling_ratio=1, pool_mode="max")
    assert out.flatten().tolist() == [0.0, -1.0]
    # a zero-size aligned roi has no samples: avg gives 0, max gives mmcv's -10000
    rois = torch.tensor([[0.0, 2.0, 2.0, 2.0, 2.0]])
    assert roi_align(feat, rois, 2).flatten().tolist() == [0.0] * 4
    assert roi_align(feat, rois, 2, pool_mode="max").flatten().tolist() == [-10000.0] * 4


def test_roi_align_empty_rois_and_module():
    feat = torch.randn(1, 4, 8, 8)
    for mode in ("avg", "max"):
        out = roi_align(feat, torch.zeros((0, 5)), (3, 2), pool_mode=mode)
        assert out.shape == (0, 4, 3, 2)
    layer = MODELS.build(dict(type="RoIAlign", output_size=7, sampling_ratio=0))
    assert isinstance(layer, RoIAlign)
    assert repr(layer) == (
        "RoIAlign(output_size=(7, 7), spatial_scale=1.0, sampling_ratio=0, "
        "pool_mode=avg, aligned=True, use_torchvision=False)"
    )
    rois = torch.tensor([[0.0, 1, 1, 6, 5]])
    torch.testing.assert_close(layer(feat, rois), roi_align(feat, rois, 7))
    with pytest.raises(ValueError, match="pool_mode"):
        RoIAlign(7, pool_mode="sum")
    with pytest.raises(ValueError, match="rois"):
        roi_align(feat, torch.zeros(2, 4), 7)
    with pytest.raises(ValueError, match="input"):
        roi_align(torch.zeros(4, 8, 8), rois, 7)


@pytest.mark.parametrize("pool_mode", ["avg", "max"])
def test_roi_align_gradcheck(pool_mode):
    g = torch.Generator().manual_seed(3)
    feat = torch.randn(2, 2, 6, 7, generator=g, dtype=torch.float64, requires_grad=True)
    rois = torch.tensor(
        [[0, 0.7, 1.1, 5.3, 4.9], [1, 2.2, 0.4, 6.8, 5.7], [1, -1.5, 3.0, 3.0, 7.0]],
        dtype=torch.float64,
    )
    assert torch.autograd.gradcheck(
        lambda f: roi_align(f, rois, (2, 2), 1.0, 2, pool_mode, True), (feat,)
    )


def _roi_pool_reference(feat, rois, out_size, scale):
    """torchvision's (Caffe Fast R-CNN) quantised max pooling, element by element."""
    _, c, height, width = feat.shape
    ph_n, pw_n = out_size
    out = torch.zeros(rois.size(0), c, ph_n, pw_n, dtype=feat.dtype)
    for k, roi in enumerate(rois.tolist()):
        b = int(roi[0])
        # C's round(): halves away from zero (Python's round() goes to even)
        x1, y1, x2, y2 = (int(math.copysign(math.floor(abs(v * scale) + 0.5), v)) for v in roi[1:])
        rw, rh = max(x2 - x1 + 1, 1), max(y2 - y1 + 1, 1)
        bh, bw = rh / ph_n, rw / pw_n
        for ph in range(ph_n):
            for pw in range(pw_n):
                hs = min(max(math.floor(ph * bh) + y1, 0), height)
                he = min(max(math.ceil((ph + 1) * bh) + y1, 0), height)
                ws = min(max(math.floor(pw * bw) + x1, 0), width)
                we = min(max(math.ceil((pw + 1) * bw) + x1, 0), width)
                if he <= hs or we <= ws:
                    continue
                out[k, :, ph, pw] = feat[b, :, hs:he, ws:we].amax(dim=(1, 2))
    return out


def test_roi_pool_by_hand_and_reference():
    feat = torch.arange(16.0).reshape(1, 1, 4, 4)
    # roi covers pixels 0..3 -> 2 x 2 bins of 2 pixels: the max of each quadrant
    out = roi_pool(feat, torch.tensor([[0.0, 0, 0, 3, 3]]), 2)
    assert out.flatten().tolist() == [5.0, 7.0, 13.0, 15.0]
    # a bin entirely outside the map pools 0
    out = roi_pool(feat, torch.tensor([[0.0, 4, 0, 7, 3]]), (1, 2))
    assert out.flatten().tolist() == [0.0, 0.0]

    g = torch.Generator().manual_seed(4)
    feat = torch.randn(2, 3, 10, 12, generator=g)
    rois = torch.tensor(
        [[0, 1.2, 2.7, 9.4, 8.1], [1, -2.0, 3.3, 25.0, 20.0], [1, 5.0, 5.0, 4.0, 4.0]]
    )
    for scale in (1.0, 0.5):
        torch.testing.assert_close(
            roi_pool(feat, rois, (3, 2), scale), _roi_pool_reference(feat, rois, (3, 2), scale)
        )
    layer = MODELS.build(dict(type="RoIPool", output_size=(3, 2), spatial_scale=0.5))
    assert isinstance(layer, RoIPool)
    assert repr(layer) == "RoIPool(output_size=(3, 2), spatial_scale=0.5)"
    torch.testing.assert_close(layer(feat, rois), roi_pool(feat, rois, (3, 2), 0.5))
    assert roi_pool(feat, torch.zeros((0, 5)), 2).shape == (0, 3, 2, 2)


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_roi_ops_on_cuda_match_cpu():
    feat, rois = _inputs(5)
    feat, rois = feat.float(), rois.float()
    for mode in ("avg", "max"):
        out = roi_align(feat.cuda(), rois.cuda(), (2, 3), 0.5, 0, mode, True)
        torch.testing.assert_close(out.cpu(), roi_align(feat, rois, (2, 3), 0.5, 0, mode, True))
    torch.testing.assert_close(roi_pool(feat.cuda(), rois.cuda(), 2).cpu(), roi_pool(feat, rois, 2))


def test_roi_align_half_types_on_cpu_pool_in_float32():
    # torchvision's CPU kernel has no bfloat16/float16: they are pooled in float32
    feat = torch.arange(2 * 6 * 8, dtype=torch.float32).reshape(1, 2, 6, 8)
    rois = torch.tensor([[0.0, 1.0, 1.0, 5.0, 4.0]])
    ref = torchvision.ops.roi_align(feat.bfloat16().float(), rois, 2, 1.0, 2, True)
    for dtype in (torch.bfloat16, torch.float16):
        out = roi_align(feat.to(dtype), rois.to(dtype), 2, 1.0, 2, "avg", True)
        assert out.dtype == dtype
        torch.testing.assert_close(out.float(), ref, rtol=1e-2, atol=0.1)
