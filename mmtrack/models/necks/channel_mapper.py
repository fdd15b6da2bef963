"""Channel mapper neck: one conv per level to a common width, plus optional extra levels."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Optional, Union

import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from torch import Tensor

from mmtrack.registry import MODELS


@MODELS.register_module()
class ChannelMapper(BaseModule):
    """Map each input level to ``out_channels`` with a ``kernel_size`` conv.

    Extra outputs (``num_outs > len(in_channels)``) come from stride-2 3x3
    convs, the first on the last input, the others on the previous output.
    State-dict keys: ``convs.{i}.conv``, ``extra_convs.{i}.conv``.

    Args:
        in_channels: channels of each input level.
        out_channels: output channels.
        kernel_size: kernel of the mapping convs. Defaults to 3.
        conv_cfg: conv config. Defaults to None.
        norm_cfg: norm config. Defaults to None.
        act_cfg: activation config. Defaults to ``dict(type='ReLU')``.
        bias: conv bias (``'auto'``: only without norm). Defaults to ``'auto'``.
        num_outs: number of outputs. Defaults to ``len(in_channels)``.
        init_cfg: init config. Defaults to Xavier-uniform on ``Conv2d``.
    """

    def __init__(
        self,
        in_channels: Sequence[int],
        out_channels: int,
        kernel_size: int = 3,
        conv_cfg: Optional[dict] = None,
        norm_cfg: Optional[dict] = None,
        act_cfg: Optional[dict] = dict(type="ReLU"),  # noqa: B006
        bias: Union[bool, str] = "auto",
        num_outs: Optional[int] = None,
        init_cfg: Union[dict, list, None] = None,
    ) -> None:
        if init_cfg is None:
            init_cfg = dict(type="Xavier", layer="Conv2d", distribution="uniform")
        super().__init__(init_cfg)
        in_channels = list(in_channels)
        num_outs = len(in_channels) if num_outs is None else num_outs
        if num_outs < len(in_channels):
            raise ValueError(
                f"ChannelMapper: num_outs={num_outs} < {len(in_channels)} input levels"
            )
        self.in_channels = in_channels
        self.num_outs = num_outs
        act = None if act_cfg is None else dict(act_cfg)
        self.convs = nn.ModuleList(
            ConvModule(
                c,
                out_channels,
                kernel_size,
                padding=(kernel_size - 1) // 2,
                conv_cfg=conv_cfg,
                norm_cfg=norm_cfg,
                act_cfg=act,
                bias=bias,
            )
            for c in in_channels
        )
        self.extra_convs: Optional[nn.ModuleList] = None
        if num_outs > len(in_channels):
            self.extra_convs = nn.ModuleList(
                ConvModule(
                    in_channels[-1] if i == len(in_channels) else out_channels,
                    out_channels,
                    3,
                    stride=2,
                    padding=1,
                    conv_cfg=conv_cfg,
                    norm_cfg=norm_cfg,
                    act_cfg=act,
                    bias=bias,
                )
                for i in range(len(in_channels), num_outs)
            )

    def forward(self, inputs: Sequence[Tensor]) -> tuple[Tensor, ...]:
        """Input levels -> ``num_outs`` maps of ``out_channels`` channels."""
        if len(inputs) != len(self.convs):
            raise ValueError(
                f"ChannelMapper: got {len(inputs)} inputs for {len(self.convs)} in_channels"
            )
        outs = [conv(x) for conv, x in zip(self.convs, inputs)]
        if self.extra_convs is not None:
            for i, conv in enumerate(self.extra_convs):
                outs.append(conv(inputs[-1] if i == 0 else outs[-1]))
        return tuple(outs)
