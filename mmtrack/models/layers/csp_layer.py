"""Cross Stage Partial layer (CSPNet) used by CSPDarknet and YOLOXPAFPN."""

from __future__ import annotations

from typing import Optional

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule, DepthwiseSeparableConvModule
from mmengine.model import BaseModule
from torch import Tensor

from .yolox_cfg import YOLOX_ACT_CFG, YOLOX_NORM_CFG, OptMapping, as_dict


class DarknetBottleneck(BaseModule):
    """Darknet residual block: a 1x1 conv then a 3x3 conv, plus the input.

    Each conv is Conv-BN-activation (:class:`mmcv.cnn.ConvModule`). State-dict
    keys: ``conv1.{conv,bn}.*`` and ``conv2.{conv,bn}.*`` (or
    ``conv2.{depthwise_conv,pointwise_conv}.*`` when ``use_depthwise``).

    Args:
        in_channels: input channels.
        out_channels: output channels.
        expansion: hidden channels are ``int(out_channels * expansion)``.
            Defaults to 0.5.
        add_identity: add the input to the output (only when
            ``in_channels == out_channels``). Defaults to True.
        use_depthwise: make the 3x3 conv depthwise separable. Defaults to False.
        conv_cfg: conv layer config. Defaults to None (``nn.Conv2d``).
        norm_cfg: norm layer config. Defaults to
            ``dict(type='BN', momentum=0.03, eps=0.001)``.
        act_cfg: activation config. Defaults to ``dict(type='Swish')``.
        init_cfg: initialisation config. Defaults to None.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        expansion: float = 0.5,
        add_identity: bool = True,
        use_depthwise: bool = False,
        conv_cfg: Optional[dict] = None,
        norm_cfg: OptMapping = YOLOX_NORM_CFG,
        act_cfg: OptMapping = YOLOX_ACT_CFG,
        init_cfg: Optional[dict] = None,
    ) -> None:
        super().__init__(init_cfg)
        norm_cfg = as_dict(norm_cfg)
        act_cfg = as_dict(act_cfg)
        hidden_channels = int(out_channels * expansion)
        conv = DepthwiseSeparableConvModule if use_depthwise else ConvModule
        self.conv1 = ConvModule(
            in_channels,
            hidden_channels,
            1,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg,
        )
        self.conv2 = conv(
            hidden_channels,
            out_channels,
            3,
            stride=1,
            padding=1,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg,
        )
        self.add_identity = add_identity and in_channels == out_channels

    def forward(self, x: Tensor) -> Tensor:
        """``(N, C_in, H, W)`` -> ``(N, C_out, H, W)``."""
        out = self.conv2(self.conv1(x))
        return out + x if self.add_identity else out


class CSPLayer(BaseModule):
    """Cross Stage Partial layer.

    The input goes through two 1x1 convs: the *main* branch then runs
    ``num_blocks`` :class:`DarknetBottleneck` blocks, the *short* branch is
    kept as is; both are concatenated (main first) and fused by a final 1x1
    conv. State-dict keys: ``main_conv.*``, ``short_conv.*``, ``final_conv.*``
    and ``blocks.<i>.conv{1,2}.*``.

    Args:
        in_channels: input channels.
        out_channels: output channels.
        expand_ratio: each branch has ``int(out_channels * expand_ratio)``
            channels. Defaults to 0.5.
        num_blocks: number of bottleneck blocks. Defaults to 1.
        add_identity: residual connections inside the blocks. Defaults to True.
        use_depthwise: depthwise separable 3x3 convs in the blocks.
            Defaults to False.
        conv_cfg: conv layer config. Defaults to None.
        norm_cfg: norm layer config. Defaults to
            ``dict(type='BN', momentum=0.03, eps=0.001)``.
        act_cfg: activation config. Defaults to ``dict(type='Swish')``.
        init_cfg: initialisation config. Defaults to None.

    Examples:
        >>> import torch
        >>> layer = CSPLayer(8, 16, num_blocks=2)
        >>> tuple(layer(torch.rand(1, 8, 5, 7)).shape)
        (1, 16, 5, 7)
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        expand_ratio: float = 0.5,
        num_blocks: int = 1,
        add_identity: bool = True,
        use_depthwise: bool = False,
        conv_cfg: Optional[dict] = None,
        norm_cfg: OptMapping = YOLOX_NORM_CFG,
        act_cfg: OptMapping = YOLOX_ACT_CFG,
        init_cfg: Optional[dict] = None,
    ) -> None:
        super().__init__(init_cfg)
        norm_cfg = as_dict(norm_cfg)
        act_cfg = as_dict(act_cfg)
        mid_channels = int(out_channels * expand_ratio)
        common = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.main_conv = ConvModule(in_channels, mid_channels, 1, **common)
        self.short_conv = ConvModule(in_channels, mid_channels, 1, **common)
        self.final_conv = ConvModule(2 * mid_channels, out_channels, 1, **common)
        self.blocks = nn.Sequential(
            *[
                DarknetBottleneck(
                    mid_channels,
                    mid_channels,
                    expansion=1.0,
                    add_identity=add_identity,
                    use_depthwise=use_depthwise,
                    **common,
                )
                for _ in range(num_blocks)
            ]
        )

    def forward(self, x: Tensor) -> Tensor:
        """``(N, C_in, H, W)`` -> ``(N, C_out, H, W)``."""
        x_short = self.short_conv(x)
        x_main = self.blocks(self.main_conv(x))
        return self.final_conv(torch.cat((x_main, x_short), dim=1))
