"""YOLOXPAFPN: structure, shapes and data flow."""

import pytest
import torch

from mmtrack.registry import MODELS
from mmtrack.utils import register_all_modules

register_all_modules()


def test_shapes_and_parameter_shapes():
    neck = MODELS.build(
        dict(type="YOLOXPAFPN", in_channels=[8, 16, 32], out_channels=12, num_csp_blocks=2)
    )
    feats = [torch.rand(2, 8, 16, 24), torch.rand(2, 16, 8, 12), torch.rand(2, 32, 4, 6)]
    outs = neck(feats)
    assert [tuple(o.shape) for o in outs] == [(2, 12, 16, 24), (2, 12, 8, 12), (2, 12, 4, 6)]
    sd = {k: tuple(v.shape) for k, v in neck.state_dict().items()}
    # top-down: reduce 32->16 then CSP(2*16 -> 16), reduce 16->8 then CSP(2*8 -> 8)
    assert sd["reduce_layers.0.conv.weight"] == (16, 32, 1, 1)
    assert sd["top_down_blocks.0.main_conv.conv.weight"] == (8, 32, 1, 1)
    assert sd["top_down_blocks.0.final_conv.conv.weight"] == (16, 16, 1, 1)
    assert sd["reduce_layers.1.conv.weight"] == (8, 16, 1, 1)
    assert sd["top_down_blocks.1.short_conv.conv.weight"] == (4, 16, 1, 1)
    # bottom-up: stride-2 conv keeps channels, CSP(2*c_i -> c_{i+1})
    assert sd["downsamples.0.conv.weight"] == (8, 8, 3, 3)
    assert sd["bottom_up_blocks.0.main_conv.conv.weight"] == (8, 16, 1, 1)
    assert sd["bottom_up_blocks.0.final_conv.conv.weight"] == (16, 16, 1, 1)
    assert sd["bottom_up_blocks.1.final_conv.conv.weight"] == (32, 32, 1, 1)
    assert sd["bottom_up_blocks.1.blocks.1.conv2.conv.weight"] == (16, 16, 3, 3)
    assert [sd[f"out_convs.{i}.conv.weight"] for i in range(3)] == [
        (12, 8, 1, 1),
        (12, 16, 1, 1),
        (12, 32, 1, 1),
    ]
    # CSP blocks in the neck have no residual
    assert not any(b.add_identity for b in neck.top_down_blocks[0].blocks)


def test_coarse_input_reaches_every_output():
    torch.manual_seed(0)
    neck = MODELS.build(
        dict(type="YOLOXPAFPN", in_channels=[4, 8, 16], out_channels=4, num_csp_blocks=1)
    )
    neck.eval()
    feats = [torch.rand(1, 4, 8, 8), torch.rand(1, 8, 4, 4), torch.rand(1, 16, 2, 2)]
    base = neck(feats)
    changed = neck([feats[0], feats[1], feats[2] + 1.0])
    # top-down path carries the coarsest level to the finest output
    assert all(not torch.allclose(a, b) for a, b in zip(base, changed))
    changed = neck([feats[0] + 1.0, feats[1], feats[2]])
    # bottom-up path carries the finest level to the coarsest output
    assert all(not torch.allclose(a, b) for a, b in zip(base, changed))


def test_depthwise_and_wrong_levels():
    neck = MODELS.build(
        dict(type="YOLOXPAFPN", in_channels=[4, 8], out_channels=4, use_depthwise=True)
    )
    assert "downsamples.0.depthwise_conv.conv.weight" in neck.state_dict()
    with pytest.raises(ValueError, match="2 input levels"):
        neck([torch.rand(1, 4, 4, 4)])
