"""Fold eval-mode BatchNorm layers into the convolutions before them.

``tools/test.py --fuse-conv-bn`` (as in MMTracking 0.14) calls
:func:`fuse_conv_bn` on the model after its weights are loaded: each BatchNorm
child that directly follows a convolution child in its parent module (the
layout of ``ConvModule``, ResNet blocks, CSP layers, ...) is folded into the
convolution and replaced by ``nn.Identity``. With BN's running statistics
``mu``, ``var``, affine ``gamma``, ``beta`` and ``eps``::

    factor = gamma / sqrt(var + eps)
    W' = W * factor (per output channel),  b' = (b - mu) * factor + beta

so ``conv'(x) == bn(conv(x))`` in eval mode, up to float rounding.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["fuse_conv_bn", "fuse_conv_bn_pair"]

_CONV_FOR_BN = {
    nn.BatchNorm1d: nn.Conv1d,
    nn.BatchNorm2d: nn.Conv2d,
    nn.BatchNorm3d: nn.Conv3d,
    nn.SyncBatchNorm: (nn.Conv1d, nn.Conv2d, nn.Conv3d),
}


def fuse_conv_bn_pair(conv: nn.modules.conv._ConvNd, bn: nn.modules.batchnorm._BatchNorm) -> None:
    """Fold ``bn`` (eval mode, running statistics) into ``conv`` in place.

    Args:
        conv: ``Conv1d``/``Conv2d``/``Conv3d`` with ``out_channels == bn.num_features``;
            its weight ``(C_out, C_in / groups, *k)`` and bias ``(C_out,)``
            (created when absent) are replaced.
        bn: BatchNorm with running statistics; ``affine=False`` counts as
            ``gamma = 1, beta = 0``.
    """
    with torch.no_grad():
        mean = bn.running_mean.to(conv.weight.dtype)
        var = bn.running_var.to(conv.weight.dtype)
        gamma = bn.weight if bn.weight is not None else torch.ones_like(mean)
        beta = bn.bias if bn.bias is not None else torch.zeros_like(mean)
        bias = conv.bias if conv.bias is not None else torch.zeros_like(mean)
        factor = gamma / torch.sqrt(var + bn.eps)
        shape = [conv.out_channels] + [1] * (conv.weight.dim() - 1)
        conv.weight = nn.Parameter(conv.weight * factor.reshape(shape))
        conv.bias = nn.Parameter((bias - mean) * factor + beta)


def _fusable(conv: nn.Module | None, bn: nn.Module) -> bool:
    if conv is None or bn.running_mean is None or bn.running_var is None:
        return False
    conv_types = next((c for b, c in _CONV_FOR_BN.items() if type(bn) is b), None)
    if conv_types is None:  # a BatchNorm subclass with its own forward: leave it
        return False
    return (
        isinstance(conv, conv_types)
        and not isinstance(conv, nn.modules.conv._ConvTransposeNd)
        and conv.out_channels == bn.num_features
    )


def fuse_conv_bn(module: nn.Module) -> nn.Module:
    """Recursively fold each BatchNorm that follows a convolution into it.

    Within each module, a BatchNorm child is fused with the convolution child
    registered just before it (when their dimensions and channels agree);
    the BatchNorm becomes ``nn.Identity`` so that attribute names (e.g.
    ``ConvModule.norm``) still resolve. Any other child is searched
    recursively. Use it in eval mode only: training would need the batch
    statistics the fused model no longer computes.

    Args:
        module: the model (modified in place).

    Returns:
        ``module``.
    """
    last_conv: nn.Module | None = None
    for name, child in list(module.named_children()):
        if isinstance(child, nn.modules.batchnorm._BatchNorm):
            if _fusable(last_conv, child):
                fuse_conv_bn_pair(last_conv, child)  # type: ignore[arg-type]
                module._modules[name] = nn.Identity()
            last_conv = None
        elif isinstance(child, nn.modules.conv._ConvNd):
            last_conv = child
        else:
            fuse_conv_bn(child)
            last_conv = None
    return module
