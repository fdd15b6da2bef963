"""CSP-Darknet backbone of YOLOv5 and YOLOX."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Optional, Union

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule, DepthwiseSeparableConvModule
from mmengine.model import BaseModule
from torch import Tensor
from torch.nn.modules.batchnorm import _BatchNorm

from mmtrack.registry import MODELS

from ..layers.csp_layer import CSPLayer
from ..layers.yolox_cfg import (
    YOLOX_ACT_CFG,
    YOLOX_KAIMING_INIT,
    YOLOX_NORM_CFG,
    OptMapping,
    as_dict,
)


class Focus(nn.Module):
    """Space-to-depth stem: each 2x2 pixel block goes to 4x channels, then a conv.

    Args:
        in_channels: input channels (3 for images).
        out_channels: output channels.
        kernel_size: conv kernel size. Defaults to 1.
        stride: conv stride. Defaults to 1.
        conv_cfg: conv layer config. Defaults to None.
        norm_cfg: norm layer config. Defaults to BN(momentum=0.03, eps=0.001).
        act_cfg: activation config. Defaults to Swish.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int = 1,
        stride: int = 1,
        conv_cfg: Optional[dict] = None,
        norm_cfg: OptMapping = YOLOX_NORM_CFG,
        act_cfg: OptMapping = YOLOX_ACT_CFG,
    ) -> None:
        super().__init__()
        self.conv = ConvModule(
            in_channels * 4,
            out_channels,
            kernel_size,
            stride,
            padding=(kernel_size - 1) // 2,
            conv_cfg=conv_cfg,
            norm_cfg=as_dict(norm_cfg),
            act_cfg=as_dict(act_cfg),
        )

    def forward(self, x: Tensor) -> Tensor:
        """``(N, C, H, W)`` -> ``(N, out_channels, H / 2, W / 2)``.

        The four sub-images are stacked in the order top-left, bottom-left,
        top-right, bottom-right (the order the released weights expect).
        """
        top_left = x[..., ::2, ::2]
        top_right = x[..., ::2, 1::2]
        bot_left = x[..., 1::2, ::2]
        bot_right = x[..., 1::2, 1::2]
        return self.conv(torch.cat((top_left, bot_left, top_right, bot_right), dim=1))


class SPPBottleneck(BaseModule):
    """Spatial pyramid pooling: 1x1 conv, parallel max-pools, concat, 1x1 conv.

    Args:
        in_channels: input channels.
        out_channels: output channels.
        kernel_sizes: max-pool kernel sizes (stride 1, same padding).
            Defaults to (5, 9, 13).
        conv_cfg: conv layer config. Defaults to None.
        norm_cfg: norm layer config. Defaults to BN(momentum=0.03, eps=0.001).
        act_cfg: activation config. Defaults to Swish.
        init_cfg: initialisation config. Defaults to None.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_sizes: Sequence[int] = (5, 9, 13),
        conv_cfg: Optional[dict] = None,
        norm_cfg: OptMapping = YOLOX_NORM_CFG,
        act_cfg: OptMapping = YOLOX_ACT_CFG,
        init_cfg: Optional[dict] = None,
    ) -> None:
        super().__init__(init_cfg)
        common = dict(
            conv_cfg=conv_cfg,
            norm_cfg=as_dict(norm_cfg),
            act_cfg=as_dict(act_cfg),
        )
        mid_channels = in_channels // 2
        self.conv1 = ConvModule(in_channels, mid_channels, 1, stride=1, **common)
        self.poolings = nn.ModuleList(
            [nn.MaxPool2d(kernel_size=ks, stride=1, padding=ks // 2) for ks in kernel_sizes]
        )
        self.conv2 = ConvModule(mid_channels * (len(kernel_sizes) + 1), out_channels, 1, **common)

    def forward(self, x: Tensor) -> Tensor:
        """``(N, C_in, H, W)`` -> ``(N, C_out, H, W)``."""
        x = self.conv1(x)
        x = torch.cat([x] + [pool(x) for pool in self.poolings], dim=1)
        return self.conv2(x)


@MODELS.register_module()
class CSPDarknet(BaseModule):
    """CSP-Darknet backbone used in YOLOv5 and YOLOX.

    Layout (``P5``): a :class:`Focus` stem (stride 2) then four stages; each
    stage is a stride-2 3x3 conv, an :class:`SPPBottleneck` in the last stage,
    and a :class:`CSPLayer`. Channels are multiplied by ``widen_factor`` and
    block counts by ``deepen_factor`` (``max(round(n * deepen_factor), 1)``).
    YOLOX sizes (deepen, widen): nano (0.33, 0.25, ``use_depthwise=True``),
    tiny (0.33, 0.375), s (0.33, 0.5), m (0.67, 0.75), l (1.0, 1.0),
    x (1.33, 1.25).

    State-dict keys follow MMDetection: ``stem.conv.conv.weight``,
    ``stage<i>.0.conv.weight`` (downsampling conv), ``stage4.1.conv1.*`` (SPP),
    ``stage<i>.<last>.{main_conv,short_conv,final_conv,blocks}.*`` (CSP).

    Args:
        arch: ``'P5'`` (outputs up to stride 32) or ``'P6'`` (stride 64).
            Defaults to ``'P5'``.
        deepen_factor: block-count multiplier. Defaults to 1.0.
        widen_factor: channel multiplier. Defaults to 1.0.
        out_indices: which of (stem=0, stage1..stage4/5) to return.
            Defaults to (2, 3, 4), i.e. strides 8, 16, 32.
        frozen_stages: freeze the stem and the first ``frozen_stages`` stages
            (parameters and BN statistics); -1 freezes nothing. Defaults to -1.
        use_depthwise: depthwise separable 3x3 convs (YOLOX-nano).
            Defaults to False.
        arch_ovewrite: replaces the arch table, rows
            ``[in_channels, out_channels, num_blocks, add_identity, use_spp]``
            (name spelt as in MMDetection). Defaults to None.
        spp_kernal_sizes: SPP max-pool sizes (name spelt as in MMDetection).
            Defaults to (5, 9, 13).
        conv_cfg: conv layer config. Defaults to None.
        norm_cfg: norm layer config. Defaults to BN(momentum=0.03, eps=0.001).
        act_cfg: activation config. Defaults to Swish.
        norm_eval: keep BN layers in eval mode while training. Defaults to False.
        init_cfg: initialisation config. Defaults to Kaiming-uniform
            (``a=sqrt(5)``) on every ``Conv2d``, as MMDetection.

    Examples:
        >>> import torch
        >>> model = CSPDarknet(deepen_factor=0.33, widen_factor=0.25)
        >>> [tuple(o.shape) for o in model(torch.rand(1, 3, 64, 96))]
        [(1, 64, 8, 12), (1, 128, 4, 6), (1, 256, 2, 3)]
    """

    # in_channels, out_channels, num_blocks, add_identity, use_spp
    arch_settings = {
        "P5": (
            (64, 128, 3, True, False),
            (128, 256, 9, True, False),
            (256, 512, 9, True, False),
            (512, 1024, 3, False, True),
        ),
        "P6": (
            (64, 128, 3, True, False),
            (128, 256, 9, True, False),
            (256, 512, 9, True, False),
            (512, 768, 3, True, False),
            (768, 1024, 3, False, True),
        ),
    }

    def __init__(
        self,
        arch: str = "P5",
        deepen_factor: float = 1.0,
        widen_factor: float = 1.0,
        out_indices: Sequence[int] = (2, 3, 4),
        frozen_stages: int = -1,
        use_depthwise: bool = False,
        arch_ovewrite: Optional[Sequence[Sequence]] = None,
        spp_kernal_sizes: Sequence[int] = (5, 9, 13),
        conv_cfg: Optional[dict] = None,
        norm_cfg: OptMapping = YOLOX_NORM_CFG,
        act_cfg: OptMapping = YOLOX_ACT_CFG,
        norm_eval: bool = False,
        init_cfg: Union[Mapping, list, None] = YOLOX_KAIMING_INIT,
    ) -> None:
        super().__init__(as_dict(init_cfg))
        if arch not in self.arch_settings:
            raise ValueError(
                f"CSPDarknet: arch must be one of {sorted(self.arch_settings)}, got {arch!r}"
            )
        arch_setting = arch_ovewrite if arch_ovewrite else self.arch_settings[arch]
        num_layers = len(arch_setting) + 1
        if not set(out_indices).issubset(range(num_layers)):
            raise ValueError(
                f"CSPDarknet: out_indices must be within 0..{num_layers - 1}, got {out_indices}"
            )
        if frozen_stages not in range(-1, num_layers):
            raise ValueError(
                f"CSPDarknet: frozen_stages must be within -1..{num_layers - 1}, "
                f"got {frozen_stages}"
            )
        self.out_indices = tuple(out_indices)
        self.frozen_stages = frozen_stages
        self.use_depthwise = use_depthwise
        self.norm_eval = norm_eval
        common = dict(conv_cfg=conv_cfg, norm_cfg=as_dict(norm_cfg), act_cfg=as_dict(act_cfg))
        conv = DepthwiseSeparableConvModule if use_depthwise else ConvModule

        self.stem = Focus(3, int(arch_setting[0][0] * widen_factor), kernel_size=3, **common)
        self.layers = ["stem"]
        for i, (in_ch, out_ch, num_blocks, add_identity, use_spp) in enumerate(arch_setting):
            in_ch = int(in_ch * widen_factor)
            out_ch = int(out_ch * widen_factor)
            num_blocks = max(round(num_blocks * deepen_factor), 1)
            stage: list[nn.Module] = [conv(in_ch, out_ch, 3, stride=2, padding=1, **common)]
            if use_spp:
                stage.append(SPPBottleneck(out_ch, out_ch, kernel_sizes=spp_kernal_sizes, **common))
            stage.append(
                CSPLayer(
                    out_ch,
                    out_ch,
                    num_blocks=num_blocks,
                    add_identity=add_identity,
                    use_depthwise=use_depthwise,
                    **common,
                )
            )
            self.add_module(f"stage{i + 1}", nn.Sequential(*stage))
            self.layers.append(f"stage{i + 1}")
        self._freeze_stages()

    def _freeze_stages(self) -> None:
        """Put the frozen layers in eval mode and stop their gradients."""
        for name in self.layers[: self.frozen_stages + 1]:
            layer = getattr(self, name)
            layer.eval()
            for param in layer.parameters():
                param.requires_grad = False

    def train(self, mode: bool = True) -> CSPDarknet:
        """Switch mode, keeping frozen stages (and BN with ``norm_eval``) in eval."""
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for m in self.modules():
                if isinstance(m, _BatchNorm):
                    m.eval()
        return self

    def forward(self, x: Tensor) -> tuple[Tensor, ...]:
        """Images ``(N, 3, H, W)`` -> features at ``out_indices``.

        With ``P5`` and the default ``out_indices`` the outputs have strides 8,
        16 and 32 and ``int(256/512/1024 * widen_factor)`` channels. ``H`` and
        ``W`` should be multiples of 32.
        """
        outs = []
        for i, name in enumerate(self.layers):
            x = getattr(self, name)(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)
