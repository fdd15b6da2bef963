"""CSPDarknet, Focus, SPPBottleneck and CSPLayer (YOLOX backbone)."""

import pytest
import torch
from mmcv.cnn import DepthwiseSeparableConvModule

from mmtrack.models.backbones.csp_darknet import Focus, SPPBottleneck
from mmtrack.models.layers import CSPLayer
from mmtrack.registry import MODELS
from mmtrack.utils import register_all_modules

register_all_modules()


def _no_norm(**kw):
    return dict(norm_cfg=None, act_cfg=None, **kw)


def test_focus_space_to_depth_order():
    focus = Focus(1, 4, kernel_size=1, **_no_norm())
    with torch.no_grad():
        focus.conv.conv.weight.copy_(torch.eye(4).view(4, 4, 1, 1))
        focus.conv.conv.bias.zero_()
    x = torch.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])
    # channels: top-left, bottom-left, top-right, bottom-right
    assert focus(x).flatten().tolist() == [1.0, 3.0, 2.0, 4.0]


def test_spp_bottleneck_by_hand():
    spp = SPPBottleneck(2, 2, kernel_sizes=(3,), **_no_norm())
    with torch.no_grad():
        spp.conv1.conv.weight.copy_(torch.tensor([1.0, 0.0]).view(1, 2, 1, 1))
        spp.conv1.conv.bias.zero_()
        spp.conv2.conv.weight.copy_(torch.eye(2).view(2, 2, 1, 1))
        spp.conv2.conv.bias.zero_()
    x0 = torch.tensor([[1.0, 5.0, 2.0], [0.0, 3.0, 4.0], [7.0, 1.0, 0.0]])
    x = torch.stack([x0, torch.full((3, 3), 9.0)])[None]
    out = spp(x)[0]
    assert out[0].tolist() == x0.tolist()
    # 3x3 max over each neighbourhood (padding ignored)
    assert out[1].tolist() == [[5, 5, 5], [7, 7, 5], [7, 7, 4]]


def test_csp_layer_by_hand():
    # mid = 1 channel; main branch -> bottleneck (residual) -> concat(main, short) -> final
    layer = CSPLayer(2, 2, num_blocks=1, add_identity=True, **_no_norm())
    with torch.no_grad():
        for m in layer.modules():
            if isinstance(m, torch.nn.Conv2d):
                m.weight.zero_()
                m.bias.zero_()
        layer.main_conv.conv.weight[0, 0] = 1.0  # main = x0
        layer.short_conv.conv.weight[0, 1] = 1.0  # short = x1
        layer.blocks[0].conv1.conv.weight.fill_(1.0)
        layer.blocks[0].conv2.conv.weight[0, 0, 1, 1] = 2.0  # 2 * main, + identity
        layer.final_conv.conv.weight.copy_(torch.eye(2).view(2, 2, 1, 1))
    x = torch.rand(1, 2, 4, 5)
    out = layer(x)
    assert torch.allclose(out[0, 0], 3 * x[0, 0])
    assert torch.allclose(out[0, 1], x[0, 1])
    no_id = CSPLayer(2, 2, num_blocks=2, add_identity=False)
    assert not any(b.add_identity for b in no_id.blocks) and len(no_id.blocks) == 2


@pytest.mark.parametrize(
    "deepen, widen, depthwise, channels, blocks",
    [
        (0.33, 0.25, True, (64, 128, 256), (1, 3, 3, 1)),  # nano
        (0.33, 0.375, False, (96, 192, 384), (1, 3, 3, 1)),  # tiny
        (0.67, 0.75, False, (192, 384, 768), (2, 6, 6, 2)),  # m
    ],
)
def test_sizes_shapes_and_depths(deepen, widen, depthwise, channels, blocks):
    model = MODELS.build(
        dict(
            type="CSPDarknet",
            deepen_factor=deepen,
            widen_factor=widen,
            use_depthwise=depthwise,
        )
    )
    # blocks = max(round(base * deepen), 1) for base (3, 9, 9, 3)
    assert tuple(len(getattr(model, f"stage{i}")[-1].blocks) for i in range(1, 5)) == blocks
    outs = model(torch.rand(1, 3, 64, 96))
    assert [tuple(o.shape) for o in outs] == [
        (1, channels[0], 8, 12),
        (1, channels[1], 4, 6),
        (1, channels[2], 2, 3),
    ]
    assert isinstance(model.stage1[0], DepthwiseSeparableConvModule) == depthwise
    # the Focus stem is never depthwise
    assert tuple(model.stem.conv.conv.weight.shape) == (int(64 * widen), 12, 3, 3)


def test_out_indices_include_stem():
    model = MODELS.build(
        dict(type="CSPDarknet", deepen_factor=0.33, widen_factor=0.125, out_indices=(0, 1, 4))
    )
    outs = model(torch.rand(2, 3, 64, 64))
    assert [tuple(o.shape) for o in outs] == [(2, 8, 32, 32), (2, 16, 16, 16), (2, 128, 2, 2)]


def test_frozen_stages_and_norm_eval():
    model = MODELS.build(
        dict(type="CSPDarknet", deepen_factor=0.33, widen_factor=0.125, frozen_stages=1)
    )
    model.train()
    for name in ("stem", "stage1"):
        layer = getattr(model, name)
        assert all(not p.requires_grad for p in layer.parameters())
        assert all(not m.training for m in layer.modules())
    assert all(p.requires_grad for p in model.stage2.parameters())
    assert model.stage2.training

    model = MODELS.build(
        dict(type="CSPDarknet", deepen_factor=0.33, widen_factor=0.125, norm_eval=True)
    )
    model.train()
    bns = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    assert bns and all(not bn.training for bn in bns)
    assert model.stage3.training  # only the norms are frozen


def test_default_init_is_kaiming_and_none_means_no_norm():
    model = MODELS.build(dict(type="CSPDarknet", deepen_factor=0.33, widen_factor=0.125))
    assert model.init_cfg["type"] == "Kaiming" and model.init_cfg["a"] == pytest.approx(5**0.5)
    bare = MODELS.build(
        dict(type="CSPDarknet", deepen_factor=0.33, widen_factor=0.125, norm_cfg=None)
    )
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in bare.modules())


def test_bad_arguments():
    with pytest.raises(ValueError, match="arch"):
        MODELS.build(dict(type="CSPDarknet", arch="P7"))
    with pytest.raises(ValueError, match="out_indices"):
        MODELS.build(dict(type="CSPDarknet", widen_factor=0.125, out_indices=(5,)))
    with pytest.raises(ValueError, match="frozen_stages"):
        MODELS.build(dict(type="CSPDarknet", widen_factor=0.125, frozen_stages=5))
