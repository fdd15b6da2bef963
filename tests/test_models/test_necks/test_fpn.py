"""FPN and ChannelMapper: shapes, key names and a hand-computed top-down sum."""

import pytest
import torch
import torch.nn.functional as F

from mmtrack.registry import MODELS
from mmtrack.utils import register_all_modules

register_all_modules()


def _feats(chs, size=32, n=1):
    return [torch.randn(n, c, size // 2**i, size // 2**i) for i, c in enumerate(chs)]


def test_fpn_r50_shapes_and_keys():
    fpn = MODELS.build(
        dict(type="FPN", in_channels=[256, 512, 1024, 2048], out_channels=256, num_outs=5)
    )
    outs = fpn(_feats([256, 512, 1024, 2048], 64))
    assert [tuple(o.shape) for o in outs] == [
        (1, 256, 64, 64),
        (1, 256, 32, 32),
        (1, 256, 16, 16),
        (1, 256, 8, 8),
        (1, 256, 4, 4),
    ]
    keys = set(fpn.state_dict())
    assert "lateral_convs.0.conv.weight" in keys and "fpn_convs.3.conv.bias" in keys
    assert "fpn_convs.4.conv.weight" not in keys  # max-pool extra level has no conv
    assert fpn.state_dict()["lateral_convs.3.conv.weight"].shape == (256, 2048, 1, 1)


def test_fpn_extra_convs_sources():
    for src, in_ch in (("on_input", 64), ("on_lateral", 16), ("on_output", 16)):
        fpn = MODELS.build(
            dict(
                type="FPN",
                in_channels=[8, 16, 32, 64],
                out_channels=16,
                num_outs=6,
                add_extra_convs=src,
                relu_before_extra_convs=True,
            )
        )
        assert fpn.fpn_convs[4].conv.in_channels == in_ch
        assert fpn.fpn_convs[5].conv.in_channels == 16
        outs = fpn(_feats([8, 16, 32, 64], 64))
        assert [o.shape[-1] for o in outs] == [64, 32, 16, 8, 4, 2]
    fpn = MODELS.build(
        dict(type="FPN", in_channels=[8, 16, 32], out_channels=8, num_outs=2, start_level=1)
    )
    assert len(fpn(_feats([8, 16, 32], 32))) == 2
    with pytest.raises(ValueError, match="add_extra_convs"):
        MODELS.build(
            dict(type="FPN", in_channels=[8], out_channels=8, num_outs=2, add_extra_convs="x")
        )


def test_fpn_top_down_values_by_hand():
    fpn = MODELS.build(dict(type="FPN", in_channels=[2, 2, 2], out_channels=2, num_outs=4))
    with torch.no_grad():
        for conv in fpn.lateral_convs:
            conv.conv.weight.copy_(torch.eye(2).view(2, 2, 1, 1))
            conv.conv.bias.zero_()
        for conv in fpn.fpn_convs:
            conv.conv.weight.zero_()
            conv.conv.weight[0, 0, 1, 1] = 1.0
            conv.conv.weight[1, 1, 1, 1] = 1.0
            conv.conv.bias.zero_()
    c3 = torch.arange(2 * 2 * 2, dtype=torch.float32).view(1, 2, 2, 2)
    c2 = torch.ones(1, 2, 4, 4)
    c1 = torch.zeros(1, 2, 8, 8)
    outs = fpn([c1, c2, c3])
    p3 = c3
    p2 = c2 + p3.repeat_interleave(2, -1).repeat_interleave(2, -2)
    p1 = c1 + p2.repeat_interleave(2, -1).repeat_interleave(2, -2)
    assert torch.allclose(outs[2], p3) and torch.allclose(outs[1], p2)
    assert torch.allclose(outs[0], p1)
    assert torch.allclose(outs[3], p3[..., ::2, ::2])  # 1x1 max-pool, stride 2


def test_channel_mapper():
    cm = MODELS.build(dict(type="ChannelMapper", in_channels=[2048], out_channels=512))
    (out,) = cm([torch.randn(1, 2048, 5, 7)])
    assert out.shape == (1, 512, 5, 7) and (out >= 0).all()  # ReLU
    assert set(cm.state_dict()) == {"convs.0.conv.weight", "convs.0.conv.bias"}
    cm = MODELS.build(
        dict(type="ChannelMapper", in_channels=[4, 8], out_channels=6, num_outs=4, act_cfg=None)
    )
    outs = cm(_feats([4, 8], 16))
    assert [tuple(o.shape[1:]) for o in outs] == [(6, 16, 16), (6, 8, 8), (6, 4, 4), (6, 2, 2)]
    assert cm.extra_convs[0].conv.in_channels == 8 and cm.extra_convs[1].conv.in_channels == 6
    ref = F.conv2d(outs[2], cm.extra_convs[1].conv.weight, cm.extra_convs[1].conv.bias, 2, 1)
    assert torch.allclose(outs[3], ref)
