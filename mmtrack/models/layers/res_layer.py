"""A stage of residual blocks (MMDetection's ``ResLayer``)."""

from __future__ import annotations

from typing import Optional

import torch.nn as nn
from mmcv.cnn import build_conv_layer, build_norm_layer
from mmengine.model import Sequential


class ResLayer(Sequential):
    """``num_blocks`` residual blocks; the first one changes stride/channels.

    The shortcut of the first block is ``downsample`` = ``[AvgPool,] conv1x1, norm``
    whenever the stride or the channel count changes (state-dict keys
    ``downsample.0``/``downsample.1``, or ``downsample.1``/``downsample.2``
    with ``avg_down``).

    Args:
        block: block class with an ``expansion`` attribute.
        inplanes: input channels.
        planes: block width; output channels are ``planes * block.expansion``.
        num_blocks: number of blocks.
        stride: stride of the first block. Defaults to 1.
        avg_down: downsample the shortcut with average pooling. Defaults to False.
        conv_cfg: conv layer config. Defaults to None.
        norm_cfg: norm layer config. Defaults to ``dict(type='BN')``.
        downsample_first: the first (not the last) block downsamples. Defaults to True.
        **kwargs: passed to every block (e.g. ``dilation``, ``style``, ``init_cfg``).
    """

    def __init__(
        self,
        block: type,
        inplanes: int,
        planes: int,
        num_blocks: int,
        stride: int = 1,
        avg_down: bool = False,
        conv_cfg: Optional[dict] = None,
        norm_cfg: Optional[dict] = None,
        downsample_first: bool = True,
        **kwargs,
    ) -> None:
        norm_cfg = dict(type="BN") if norm_cfg is None else norm_cfg
        self.block = block
        downsample = None
        out_channels = planes * block.expansion
        if stride != 1 or inplanes != out_channels:
            layers: list[nn.Module] = []
            conv_stride = stride
            if avg_down:
                conv_stride = 1
                layers.append(
                    nn.AvgPool2d(
                        kernel_size=stride, stride=stride, ceil_mode=True, count_include_pad=False
                    )
                )
            layers.extend(
                [
                    build_conv_layer(
                        conv_cfg,
                        inplanes,
                        out_channels,
                        kernel_size=1,
                        stride=conv_stride,
                        bias=False,
                    ),
                    build_norm_layer(norm_cfg, out_channels)[1],
                ]
            )
            downsample = nn.Sequential(*layers)

        blocks = []
        common = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, **kwargs)
        if downsample_first:
            blocks.append(
                block(
                    inplanes=inplanes, planes=planes, stride=stride, downsample=downsample, **common
                )
            )
            for _ in range(1, num_blocks):
                blocks.append(block(inplanes=out_channels, planes=planes, stride=1, **common))
        else:
            for _ in range(num_blocks - 1):
                blocks.append(block(inplanes=inplanes, planes=inplanes, stride=1, **common))
            blocks.append(
                block(
                    inplanes=inplanes, planes=planes, stride=stride, downsample=downsample, **common
                )
            )
        super().__init__(*blocks)
