"""fuse_conv_bn: the fused convolution computes BN(conv(x)) of the eval-mode model."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from mmtrack.models.layers.fuse_conv_bn import fuse_conv_bn
from mmtrack.registry import MODELS
from mmtrack.utils import register_all_modules
from tests.helpers.mot import tiny_yolox


def _random_stats(model: nn.Module, seed: int = 0) -> None:
    g = torch.Generator().manual_seed(seed)
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.running_mean.copy_(torch.randn(m.num_features, generator=g))
            m.running_var.copy_(torch.rand(m.num_features, generator=g) * 2 + 0.1)
            if m.affine:
                m.weight.data.copy_(torch.randn(m.num_features, generator=g))
                m.bias.data.copy_(torch.randn(m.num_features, generator=g))


class _Block(nn.Module):
    def __init__(self, bias: bool, affine: bool, groups: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(4, 6, 3, padding=1, bias=bias, groups=groups)
        self.bn = nn.BatchNorm2d(6, affine=affine, eps=1e-3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.bn(self.conv(x))


def test_pair_equals_batch_norm_formula() -> None:
    torch.manual_seed(0)
    x = torch.randn(2, 4, 5, 7)
    for bias, affine, groups in [(True, True, 1), (False, True, 2), (False, False, 1)]:
        block = _Block(bias, affine, groups).eval()
        _random_stats(block)
        bn = block.bn
        # BN(conv(x)) written out: (z - mean) / sqrt(var + eps) * gamma + beta
        z = F.conv2d(x, block.conv.weight, block.conv.bias, padding=1, groups=groups)
        mean, var = bn.running_mean[None, :, None, None], bn.running_var[None, :, None, None]
        expected = (z - mean) / torch.sqrt(var + 1e-3)
        if affine:
            expected = expected * bn.weight[None, :, None, None] + bn.bias[None, :, None, None]
        fuse_conv_bn(block)
        assert isinstance(block.bn, nn.Identity)
        assert block.conv.bias is not None
        with torch.no_grad():
            torch.testing.assert_close(block(x), expected, atol=1e-5, rtol=1e-5)


def test_bn_not_directly_after_conv_is_kept() -> None:
    seq = nn.Sequential(nn.Conv2d(3, 3, 1), nn.ReLU(), nn.BatchNorm2d(3))
    fuse_conv_bn(seq)
    assert isinstance(seq[2], nn.BatchNorm2d)
    seq = nn.Sequential(nn.Conv2d(3, 4, 1), nn.BatchNorm1d(4))  # 2-D conv, 1-D BN
    fuse_conv_bn(seq)
    assert isinstance(seq[1], nn.BatchNorm1d)


def test_yolox_outputs_equal_after_fusion() -> None:
    register_all_modules()
    torch.manual_seed(0)
    # float64: folding is exact algebra, so only float64 rounding is left.
    model = MODELS.build(tiny_yolox()).eval().double()
    _random_stats(model, seed=1)
    n_bn = sum(isinstance(m, nn.BatchNorm2d) for m in model.modules())
    assert n_bn > 20
    x = torch.rand(1, 3, 64, 64, dtype=torch.float64)
    with torch.no_grad():
        before = model(x, mode="tensor")
        fuse_conv_bn(model)
        after = model(x, mode="tensor")
    assert sum(isinstance(m, nn.BatchNorm2d) for m in model.modules()) == 0
    flat_before = [t for level in before for t in level]
    flat_after = [t for level in after for t in level]
    assert len(flat_before) == len(flat_after) > 0
    for a, b in zip(flat_before, flat_after):
        assert b.abs().max() > 1e-3  # not a vanishing signal
        torch.testing.assert_close(b, a, atol=1e-9, rtol=1e-9)
