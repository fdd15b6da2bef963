"""Feature Pyramid Network (Lin et al.) with MMDetection's module names."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Optional, Union

import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from torch import Tensor

from mmtrack.registry import MODELS

_EXTRA_SOURCES = ("on_input", "on_lateral", "on_output")


@MODELS.register_module()
class FPN(BaseModule):
    """Top-down pyramid: 1x1 laterals, nearest upsampling sums, 3x3 output convs.

    Levels beyond the backbone are max-pooled (stride 2, kernel 1) from the
    last output, or come from stride-2 3x3 convs on ``add_extra_convs``'s
    source. State-dict keys: ``lateral_convs.{i}.conv``, ``fpn_convs.{i}.conv``.

    Args:
        in_channels: channels of each backbone level.
        out_channels: channels of every output.
        num_outs: number of outputs.
        start_level: first backbone level used. Defaults to 0.
        end_level: last backbone level used (-1 = last). Defaults to -1.
        add_extra_convs: False (max-pool extras), True (= ``'on_input'``),
            ``'on_input'``, ``'on_lateral'`` or ``'on_output'``. Defaults to False.
        relu_before_extra_convs: ReLU before the 2nd+ extra convs. Defaults to False.
        no_norm_on_lateral: no norm in the laterals. Defaults to False.
        conv_cfg: conv config. Defaults to None.
        norm_cfg: norm config. Defaults to None.
        act_cfg: activation config. Defaults to None.
        upsample_cfg: ``F.interpolate`` arguments. Defaults to ``dict(mode='nearest')``.
        init_cfg: init config. Defaults to Xavier-uniform on ``Conv2d``.
    """

    def __init__(
        self,
        in_channels: Sequence[int],
        out_channels: int,
        num_outs: int,
        start_level: int = 0,
        end_level: int = -1,
        add_extra_convs: Union[bool, str] = False,
        relu_before_extra_convs: bool = False,
        no_norm_on_lateral: bool = False,
        conv_cfg: Optional[dict] = None,
        norm_cfg: Optional[dict] = None,
        act_cfg: Optional[dict] = None,
        upsample_cfg: Optional[dict] = None,
        init_cfg: Union[dict, list, None] = None,
    ) -> None:
        if init_cfg is None:
            init_cfg = dict(type="Xavier", layer="Conv2d", distribution="uniform")
        super().__init__(init_cfg)
        self.in_channels = list(in_channels)
        self.out_channels = out_channels
        self.num_ins = len(in_channels)
        self.num_outs = num_outs
        self.relu_before_extra_convs = relu_before_extra_convs
        self.no_norm_on_lateral = no_norm_on_lateral
        self.upsample_cfg = dict(mode="nearest") if upsample_cfg is None else dict(upsample_cfg)
        if end_level in (-1, self.num_ins - 1):
            self.backbone_end_level = self.num_ins
            if num_outs < self.num_ins - start_level:
                raise ValueError(
                    f"FPN: num_outs={num_outs} < {self.num_ins - start_level} used levels"
                )
        else:
            self.backbone_end_level = end_level + 1
            if end_level >= self.num_ins or num_outs != end_level - start_level + 1:
                raise ValueError(
                    f"FPN: end_level={end_level} needs end_level < {self.num_ins} and "
                    f"num_outs == end_level - start_level + 1, got num_outs={num_outs}"
                )
        self.start_level = start_level
        self.end_level = end_level
        if isinstance(add_extra_convs, str):
            if add_extra_convs not in _EXTRA_SOURCES:
                raise ValueError(
                    f"FPN: add_extra_convs must be a bool or one of {_EXTRA_SOURCES}, "
                    f"got {add_extra_convs!r}"
                )
            self.add_extra_convs: Union[bool, str] = add_extra_convs
        else:
            self.add_extra_convs = "on_input" if add_extra_convs else False

        self.lateral_convs = nn.ModuleList()
        self.fpn_convs = nn.ModuleList()
        for i in range(self.start_level, self.backbone_end_level):
            self.lateral_convs.append(
                ConvModule(
                    in_channels[i],
                    out_channels,
                    1,
                    conv_cfg=conv_cfg,
                    norm_cfg=None if no_norm_on_lateral else norm_cfg,
                    act_cfg=act_cfg,
                    inplace=False,
                )
            )
            self.fpn_convs.append(
                ConvModule(
                    out_channels,
                    out_channels,
                    3,
                    padding=1,
                    conv_cfg=conv_cfg,
                    norm_cfg=norm_cfg,
                    act_cfg=act_cfg,
                    inplace=False,
                )
            )
        extra_levels = num_outs - self.backbone_end_level + self.start_level
        if self.add_extra_convs and extra_levels >= 1:
            for i in range(extra_levels):
                if i == 0 and self.add_extra_convs == "on_input":
                    extra_in = self.in_channels[self.backbone_end_level - 1]
                else:
                    extra_in = out_channels
                self.fpn_convs.append(
                    ConvModule(
                        extra_in,
                        out_channels,
                        3,
                        stride=2,
                        padding=1,
                        conv_cfg=conv_cfg,
                        norm_cfg=norm_cfg,
                        act_cfg=act_cfg,
                        inplace=False,
                    )
                )

    def forward(self, inputs: Sequence[Tensor]) -> tuple[Tensor, ...]:
        """Backbone levels ``[(N, C_i, H_i, W_i)]`` -> ``num_outs`` maps of ``out_channels``."""
        if len(inputs) != len(self.in_channels):
            raise ValueError(
                f"FPN: got {len(inputs)} inputs for {len(self.in_channels)} in_channels"
            )
        laterals = [conv(inputs[i + self.start_level]) for i, conv in enumerate(self.lateral_convs)]
        used = len(laterals)
        for i in range(used - 1, 0, -1):
            if "scale_factor" in self.upsample_cfg:
                up = F.interpolate(laterals[i], **self.upsample_cfg)
            else:
                up = F.interpolate(laterals[i], size=laterals[i - 1].shape[2:], **self.upsample_cfg)
            laterals[i - 1] = laterals[i - 1] + up
        outs = [self.fpn_convs[i](laterals[i]) for i in range(used)]
        if self.num_outs > len(outs):
            if not self.add_extra_convs:
                for _ in range(self.num_outs - used):
                    outs.append(F.max_pool2d(outs[-1], 1, stride=2))
            else:
                if self.add_extra_convs == "on_input":
                    source = inputs[self.backbone_end_level - 1]
                elif self.add_extra_convs == "on_lateral":
                    source = laterals[-1]
                else:
                    source = outs[-1]
                outs.append(self.fpn_convs[used](source))
                for i in range(used + 1, self.num_outs):
                    prev = F.relu(outs[-1]) if self.relu_before_extra_convs else outs[-1]
                    outs.append(self.fpn_convs[i](prev))
        return tuple(outs)
