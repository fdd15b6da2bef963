"""ResNet with SiamRPN++'s paddings and dilations (MMTracking's ``SOTResNet``)."""

from __future__ import annotations

from typing import Any, Optional

import torch.nn as nn
from mmcv.cnn import build_conv_layer, build_norm_layer

from mmtrack.registry import MODELS

from .resnet import BasicBlock, Bottleneck, ResNet


def sot_conv_params(stride: int, dilation: int, first_block: bool) -> tuple[int, int]:
    """``(padding, dilation)`` of a SOT block's strided 3x3 conv (pysot's rule).

    Padding is ``2 - stride`` (0 for the stride-2 stage: no zero border), or
    the dilation in a dilated stage, whose first block (the one with the
    shortcut conv) uses half the dilation.
    """
    padding = 2 - stride
    if dilation > 1:
        if first_block:
            dilation = dilation // 2
        padding = dilation
    return padding, dilation


class SOTBottleneck(Bottleneck):
    """:class:`Bottleneck` whose 3x3 conv follows :func:`sot_conv_params`."""

    def _build(self, width: int, groups: int) -> None:
        super()._build(width, groups)
        padding, dilation = sot_conv_params(self.stride, self.dilation, self.downsample is not None)
        self.conv2 = build_conv_layer(
            self.conv_cfg,
            width,
            width,
            3,
            stride=self.conv2_stride,
            padding=padding,
            dilation=dilation,
            bias=False,
        )


class SOTBasicBlock(BasicBlock):
    """:class:`BasicBlock` whose strided 3x3 conv follows :func:`sot_conv_params`.

    Not in MMTracking (its ``SOTResNet`` is R-50 only): the small ResNet-18
    of the synthetic SiamRPN model. ``conv2`` has the stage's dilation.
    """

    def __init__(self, inplanes: int, planes: int, stride: int = 1, dilation: int = 1,
                 downsample: Optional[nn.Module] = None, conv_cfg: Optional[dict] = None,
                 **kwargs: Any) -> None:
        super().__init__(inplanes, planes, stride=stride, dilation=dilation,
                         downsample=downsample, conv_cfg=conv_cfg, **kwargs)
        padding, dil = sot_conv_params(stride, dilation, downsample is not None)
        self.conv1 = build_conv_layer(conv_cfg, inplanes, planes, 3, stride=stride,
                                      padding=padding, dilation=dil, bias=False)
        self.conv2 = build_conv_layer(conv_cfg, planes, planes, 3, padding=dilation,
                                      dilation=dilation, bias=False)


class SOTResLayer(nn.Sequential):
    """One stage of :class:`SOTResNet` (keys ``{block}.*``, ``0.downsample.0/1``).

    The shortcut conv is 1x1 when neither stride nor dilation change the
    stage, else 3x3 (padding 0 with a stride, dilation and padding half the
    stage dilation in a dilated stage), as MMTracking's ``SOTResLayer``.

    Args:
        block: block class.
        inplanes: input channels.
        planes: block width.
        num_blocks: number of blocks.
        stride: stride of the first block. Defaults to 1.
        dilation: dilation of the stage. Defaults to 1.
        conv_cfg: conv config. Defaults to None.
        norm_cfg: norm config. Defaults to ``dict(type='BN')``.
        **kwargs: passed to the blocks (``style``, ``with_cp``, ``init_cfg``).
    """

    def __init__(self, block: type, inplanes: int, planes: int, num_blocks: int, stride: int = 1,
                 dilation: int = 1, conv_cfg: Optional[dict] = None,
                 norm_cfg: Optional[dict] = None, avg_down: bool = False, **kwargs: Any) -> None:
        if avg_down:
            raise ValueError("SOTResNet: avg_down is not supported")
        norm_cfg = dict(type="BN") if norm_cfg is None else norm_cfg
        out_channels = planes * block.expansion
        downsample = None
        if stride != 1 or inplanes != out_channels:
            if stride == 1 and dilation == 1:
                kernel, dd, padding = 1, 1, 0
            elif dilation > 1:
                kernel, dd = 3, dilation // 2
                padding = dd
            else:
                kernel, dd, padding = 3, 1, 0
            downsample = nn.Sequential(
                build_conv_layer(conv_cfg, inplanes, out_channels, kernel_size=kernel,
                                 stride=stride, padding=padding, dilation=dd, bias=False),
                build_norm_layer(norm_cfg, out_channels)[1],
            )
        common = dict(dilation=dilation, conv_cfg=conv_cfg, norm_cfg=norm_cfg, **kwargs)
        blocks = [block(inplanes=inplanes, planes=planes, stride=stride, downsample=downsample,
                        **common)]
        for _ in range(1, num_blocks):
            blocks.append(block(inplanes=out_channels, planes=planes, stride=1, **common))
        super().__init__(*blocks)


@MODELS.register_module()
class SOTResNet(ResNet):
    """ResNet backbone of SiamRPN++ (MMTracking's ``SOTResNet``).

    Differences from :class:`ResNet`: the 7x7 stem conv has no padding, the
    stride-2 stage's 3x3 convs and shortcut have none either, and dilated
    stages use the paddings/dilations of :func:`sot_conv_params` with 3x3
    shortcut convs. With MMTracking's ``strides=(1, 2, 1, 1)``,
    ``dilations=(1, 1, 2, 4)``, a 127 x 127 exemplar gives 15 x 15 maps on
    stages 2-4 and a 255 x 255 search image 31 x 31. State-dict keys are those
    of :class:`ResNet` (``conv1``, ``bn1``, ``layer{i}.{j}.conv1..3``,
    ``bn1..3``, ``downsample.0/1``), so MMTracking's checkpoints load.

    Args:
        depth: 50 (MMTracking) or 18 (this project's small variant).
        unfreeze_backbone: kept for MMTracking config compatibility
            (:class:`~mmtrack.engine.hooks.SiamRPNBackboneUnfreezeHook`
            unfreezes the stages). Defaults to True.
        **kwargs: see :class:`ResNet`.
    """

    arch_settings = {18: (SOTBasicBlock, (2, 2, 2, 2)), 50: (SOTBottleneck, (3, 4, 6, 3))}

    def __init__(self, depth: int, unfreeze_backbone: bool = True, **kwargs: Any) -> None:
        if depth not in self.arch_settings:
            raise KeyError(f"SOTResNet: depth must be 18 or 50, got {depth}")
        if kwargs.get("deep_stem", False):
            raise ValueError("SOTResNet: deep_stem is not supported")
        self.unfreeze_backbone = unfreeze_backbone
        if depth == 18:  # ResNet's zero-init override names Bottleneck's norm3
            kwargs.setdefault("zero_init_residual", False)
        super().__init__(depth, **kwargs)

    def make_res_layer(self, **kwargs: Any) -> SOTResLayer:
        """Build one stage as a :class:`SOTResLayer`."""
        return SOTResLayer(**kwargs)

    def _make_stem_layer(self, in_channels: int, stem_channels: int) -> None:
        self.conv1 = build_conv_layer(
            self.conv_cfg, in_channels, stem_channels, 7, stride=2, padding=0, bias=False
        )
        self.norm1_name, norm1 = build_norm_layer(self.norm_cfg, stem_channels, postfix=1)
        self.add_module(self.norm1_name, norm1)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
