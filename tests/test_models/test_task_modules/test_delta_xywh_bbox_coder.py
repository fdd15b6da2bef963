"""DeltaXYWHBBoxCoder: hand-computed deltas and encode/decode round trip."""

import math

import pytest
import torch

from mmtrack.registry import TASK_UTILS
from mmtrack.utils import register_all_modules

register_all_modules()


def test_hand_computed_delta_with_stds():
    coder = TASK_UTILS.build(
        dict(
            type="DeltaXYWHBBoxCoder",
            target_means=[0.0, 0.0, 0.0, 0.0],
            target_stds=[0.1, 0.1, 0.2, 0.2],
        )
    )
    prop = torch.tensor([[10.0, 20.0, 30.0, 60.0]])  # centre (20, 40), w 20, h 40
    gt = torch.tensor([[12.0, 18.0, 42.0, 58.0]])  # centre (27, 38), w 30, h 40
    expect = [
        (27 - 20) / 20 / 0.1,
        (38 - 40) / 40 / 0.1,
        math.log(30 / 20) / 0.2,
        math.log(40 / 40) / 0.2,
    ]
    delta = coder.encode(prop, gt)
    assert delta[0].tolist() == pytest.approx(expect, rel=1e-5)
    assert coder.decode(prop, delta)[0].tolist() == pytest.approx(gt[0].tolist(), rel=1e-5)


def test_round_trip_random_and_means():
    g = torch.Generator().manual_seed(0)
    xy = torch.rand(50, 2, generator=g) * 100
    wh = torch.rand(50, 2, generator=g) * 50 + 1
    props = torch.cat([xy, xy + wh], 1)
    xy2 = props[:, :2] + torch.randn(50, 2, generator=g) * 5
    gts = torch.cat([xy2, xy2 + wh * (0.5 + torch.rand(50, 2, generator=g))], 1)
    coder = TASK_UTILS.build(
        dict(type="DeltaXYWHBBoxCoder", target_means=[0.1, -0.1, 0.0, 0.2], target_stds=[0.5] * 4)
    )
    dec = coder.decode(props, coder.encode(props, gts))
    assert torch.allclose(dec, gts, atol=1e-3)
    # per-class deltas (N, K*4): class k decodes with its own deltas
    d = torch.cat([coder.encode(props, gts), torch.zeros(50, 4)], 1)
    dec2 = coder.decode(props, d)
    assert dec2.shape == (50, 8)
    assert torch.allclose(dec2[:, :4], gts, atol=1e-3)
    # zero deltas decode to the (means-shifted) proposal: delta 0 * std + mean
    assert torch.allclose(
        coder.decode(props, torch.zeros(50, 4) - torch.tensor([0.2, -0.2, 0.0, 0.4])),
        props,
        atol=1e-4,
    )


def test_decode_clip_wh_ratio_and_ctr_clamp():
    coder = TASK_UTILS.build(dict(type="DeltaXYWHBBoxCoder"))
    roi = torch.tensor([[0.0, 0.0, 10.0, 10.0]])
    big = torch.tensor([[0.0, 0.0, 10.0, 0.0]])
    out = coder.decode(roi, big)  # dw clipped to |log(0.016)| -> w = 10 / 0.016 = 625
    w = 10 * math.exp(abs(math.log(16 / 1000)))
    assert out[0].tolist() == pytest.approx([5 - w / 2, 0, 5 + w / 2, 10], rel=1e-4)
    clipped = coder.decode(roi, big, max_shape=(8, 20))
    assert clipped[0].tolist() == pytest.approx([0, 0, 20, 8])
    noclip = TASK_UTILS.build(dict(type="DeltaXYWHBBoxCoder", clip_border=False))
    assert noclip.decode(roi, big, max_shape=(8, 20))[0, 0].item() < 0
    ctr = TASK_UTILS.build(dict(type="DeltaXYWHBBoxCoder", add_ctr_clamp=True, ctr_clamp=32))
    far = torch.tensor([[10.0, -10.0, 0.0, 0.0]])  # shift 100 px right, 100 up
    assert ctr.decode(roi, far)[0].tolist() == pytest.approx([32, -32, 42, -22])
    # batched decode with per-image shapes
    rois = roi[None].repeat(2, 1, 1)
    b = coder.decode(rois, big[None].repeat(2, 1, 1), max_shape=[(8, 20), (4, 6)])
    assert b[1, 0].tolist() == pytest.approx([0, 0, 6, 4])
    # empty
    assert coder.decode(torch.zeros(0, 4), torch.zeros(0, 4)).shape == (0, 4)
