"""Path Aggregation Network neck of YOLOX."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Optional, Union

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule, DepthwiseSeparableConvModule
from mmengine.model import BaseModule
from torch import Tensor

from mmtrack.registry import MODELS

from ..layers.csp_layer import CSPLayer
from ..layers.yolox_cfg import (
    YOLOX_ACT_CFG,
    YOLOX_KAIMING_INIT,
    YOLOX_NORM_CFG,
    OptMapping,
    as_dict,
)

_UPSAMPLE_CFG = MappingProxyType(dict(scale_factor=2, mode="nearest"))


@MODELS.register_module()
class YOLOXPAFPN(BaseModule):
    """Path Aggregation Network used in YOLOX.

    Top-down: the coarsest feature is reduced by a 1x1 conv
    (``reduce_layers``), upsampled x2, concatenated with the next finer input
    and fused by a :class:`CSPLayer` (``top_down_blocks``). Bottom-up: the
    finest fused map is downsampled by a stride-2 3x3 conv (``downsamples``),
    concatenated with the matching top-down map and fused (``bottom_up_blocks``).
    Finally a 1x1 conv per level maps to ``out_channels`` (``out_convs``).

    Args:
        in_channels: channels of each input level, finest first,
            e.g. ``[320, 640, 1280]`` for YOLOX-X.
        out_channels: channels of every output level.
        num_csp_blocks: bottlenecks per CSP layer. Defaults to 3.
        use_depthwise: depthwise separable downsampling convs and CSP
            bottlenecks (YOLOX-nano). Defaults to False.
        upsample_cfg: kwargs of ``nn.Upsample``. Defaults to
            ``dict(scale_factor=2, mode='nearest')``.
        conv_cfg: conv layer config. Defaults to None.
        norm_cfg: norm layer config. Defaults to BN(momentum=0.03, eps=0.001).
        act_cfg: activation config. Defaults to Swish.
        init_cfg: initialisation config. Defaults to Kaiming-uniform
            (``a=sqrt(5)``) on every ``Conv2d``.

    Examples:
        >>> import torch
        >>> neck = YOLOXPAFPN([8, 16, 32], 12, num_csp_blocks=1)
        >>> feats = [torch.rand(1, c, s, s) for c, s in ((8, 8), (16, 4), (32, 2))]
        >>> [tuple(o.shape) for o in neck(feats)]
        [(1, 12, 8, 8), (1, 12, 4, 4), (1, 12, 2, 2)]
    """

    def __init__(
        self,
        in_channels: Sequence[int],
        out_channels: int,
        num_csp_blocks: int = 3,
        use_depthwise: bool = False,
        upsample_cfg: Mapping = _UPSAMPLE_CFG,
        conv_cfg: Optional[dict] = None,
        norm_cfg: OptMapping = YOLOX_NORM_CFG,
        act_cfg: OptMapping = YOLOX_ACT_CFG,
        init_cfg: Union[Mapping, list, None] = YOLOX_KAIMING_INIT,
    ) -> None:
        super().__init__(as_dict(init_cfg))
        self.in_channels = list(in_channels)
        self.out_channels = out_channels
        common = dict(
            conv_cfg=conv_cfg,
            norm_cfg=as_dict(norm_cfg),
            act_cfg=as_dict(act_cfg),
        )
        csp_common = dict(
            num_blocks=num_csp_blocks, add_identity=False, use_depthwise=use_depthwise, **common
        )
        conv = DepthwiseSeparableConvModule if use_depthwise else ConvModule
        chans = self.in_channels

        self.upsample = nn.Upsample(**upsample_cfg)
        self.reduce_layers = nn.ModuleList()
        self.top_down_blocks = nn.ModuleList()
        for idx in range(len(chans) - 1, 0, -1):
            self.reduce_layers.append(ConvModule(chans[idx], chans[idx - 1], 1, **common))
            self.top_down_blocks.append(CSPLayer(chans[idx - 1] * 2, chans[idx - 1], **csp_common))

        self.downsamples = nn.ModuleList()
        self.bottom_up_blocks = nn.ModuleList()
        for idx in range(len(chans) - 1):
            self.downsamples.append(conv(chans[idx], chans[idx], 3, stride=2, padding=1, **common))
            self.bottom_up_blocks.append(CSPLayer(chans[idx] * 2, chans[idx + 1], **csp_common))

        self.out_convs = nn.ModuleList([ConvModule(c, out_channels, 1, **common) for c in chans])

    def forward(self, inputs: Sequence[Tensor]) -> tuple[Tensor, ...]:
        """Fuse multi-level features.

        Args:
            inputs: ``len(in_channels)`` maps ``(N, in_channels[i], H_i, W_i)``,
                each level half the size of the previous.

        Returns:
            One ``(N, out_channels, H_i, W_i)`` map per level.
        """
        if len(inputs) != len(self.in_channels):
            raise ValueError(
                f"YOLOXPAFPN: expected {len(self.in_channels)} input levels, got {len(inputs)}"
            )
        num_levels = len(self.in_channels)
        # top-down path: inner_outs[0] is always the coarsest map processed so far
        inner_outs = [inputs[-1]]
        for i, idx in enumerate(range(num_levels - 1, 0, -1)):
            feat_high = self.reduce_layers[i](inner_outs[0])
            inner_outs[0] = feat_high
            fused = self.top_down_blocks[i](
                torch.cat([self.upsample(feat_high), inputs[idx - 1]], dim=1)
            )
            inner_outs.insert(0, fused)

        # bottom-up path
        outs = [inner_outs[0]]
        for idx in range(num_levels - 1):
            down = self.downsamples[idx](outs[-1])
            outs.append(self.bottom_up_blocks[idx](torch.cat([down, inner_outs[idx + 1]], dim=1)))

        return tuple(conv(out) for conv, out in zip(self.out_convs, outs))
