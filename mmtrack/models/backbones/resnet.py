"""ResNet backbone with MMDetection's module names, so its (and torchvision's) weights load."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Optional, Union

import torch.nn as nn
import torch.utils.checkpoint as cp
from mmcv.cnn import build_conv_layer, build_norm_layer
from mmengine.model import BaseModule
from torch import Tensor
from torch.nn.modules.batchnorm import _BatchNorm

from mmtrack.registry import MODELS

from ..layers.pretrained import resolve_local_checkpoint
from ..layers.res_layer import ResLayer

_DEFAULT_NORM = dict(type="BN", requires_grad=True)


class BasicBlock(BaseModule):
    """Two 3x3 convs (ResNet-18/34). Keys: ``conv1``, ``bn1``, ``conv2``, ``bn2``, ``downsample``.

    Args:
        inplanes: input channels.
        planes: output channels.
        stride: stride of ``conv1``. Defaults to 1.
        dilation: dilation of ``conv1``. Defaults to 1.
        downsample: shortcut module. Defaults to None.
        style: ``'pytorch'`` or ``'caffe'`` (no effect here). Defaults to ``'pytorch'``.
        with_cp: gradient checkpointing. Defaults to False.
        conv_cfg: conv config. Defaults to None.
        norm_cfg: norm config. Defaults to ``dict(type='BN')``.
        init_cfg: init config. Defaults to None.
    """

    expansion = 1

    def __init__(
        self,
        inplanes: int,
        planes: int,
        stride: int = 1,
        dilation: int = 1,
        downsample: Optional[nn.Module] = None,
        style: str = "pytorch",
        with_cp: bool = False,
        conv_cfg: Optional[dict] = None,
        norm_cfg: Optional[dict] = None,
        dcn: Optional[dict] = None,
        plugins: Optional[list] = None,
        init_cfg: Union[dict, list, None] = None,
    ) -> None:
        super().__init__(init_cfg)
        if dcn is not None or plugins:
            raise ValueError("BasicBlock: dcn and plugins are not supported")
        norm_cfg = dict(type="BN") if norm_cfg is None else norm_cfg
        self.norm1_name, norm1 = build_norm_layer(norm_cfg, planes, postfix=1)
        self.norm2_name, norm2 = build_norm_layer(norm_cfg, planes, postfix=2)
        self.conv1 = build_conv_layer(
            conv_cfg,
            inplanes,
            planes,
            3,
            stride=stride,
            padding=dilation,
            dilation=dilation,
            bias=False,
        )
        self.add_module(self.norm1_name, norm1)
        self.conv2 = build_conv_layer(conv_cfg, planes, planes, 3, padding=1, bias=False)
        self.add_module(self.norm2_name, norm2)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride
        self.dilation = dilation
        self.with_cp = with_cp

    @property
    def norm1(self) -> nn.Module:
        """First norm layer."""
        return getattr(self, self.norm1_name)

    @property
    def norm2(self) -> nn.Module:
        """Second norm layer."""
        return getattr(self, self.norm2_name)

    def forward(self, x: Tensor) -> Tensor:
        """``(N, inplanes, H, W)`` -> ``(N, planes, H / stride, W / stride)``."""

        def _inner(x: Tensor) -> Tensor:
            identity = x if self.downsample is None else self.downsample(x)
            out = self.relu(self.norm1(self.conv1(x)))
            out = self.norm2(self.conv2(out))
            out += identity  # in place: saves a feature-map allocation per block
            return out

        if self.with_cp and x.requires_grad:
            out = cp.checkpoint(_inner, x, use_reentrant=False)
        else:
            out = _inner(x)
        return self.relu(out)


class Bottleneck(BaseModule):
    """1x1 -> 3x3 -> 1x1 bottleneck (ResNet-50+).

    ``'pytorch'`` style puts the stride on the 3x3 conv, ``'caffe'`` on the
    first 1x1. Keys: ``conv1..3``, ``bn1..3``, ``downsample``.

    Args:
        inplanes: input channels.
        planes: bottleneck width; output is ``planes * 4``.
        stride: block stride. Defaults to 1.
        dilation: dilation of the 3x3 conv. Defaults to 1.
        downsample: shortcut module. Defaults to None.
        style: ``'pytorch'`` or ``'caffe'``. Defaults to ``'pytorch'``.
        with_cp: gradient checkpointing. Defaults to False.
        conv_cfg: conv config. Defaults to None.
        norm_cfg: norm config. Defaults to ``dict(type='BN')``.
        init_cfg: init config. Defaults to None.
    """

    expansion = 4

    def __init__(
        self,
        inplanes: int,
        planes: int,
        stride: int = 1,
        dilation: int = 1,
        downsample: Optional[nn.Module] = None,
        style: str = "pytorch",
        with_cp: bool = False,
        conv_cfg: Optional[dict] = None,
        norm_cfg: Optional[dict] = None,
        dcn: Optional[dict] = None,
        plugins: Optional[list] = None,
        init_cfg: Union[dict, list, None] = None,
    ) -> None:
        super().__init__(init_cfg)
        if style not in ("pytorch", "caffe"):
            raise ValueError(f"Bottleneck: style must be 'pytorch' or 'caffe', got {style!r}")
        if dcn is not None or plugins:
            raise ValueError("Bottleneck: dcn and plugins are not supported")
        self.inplanes = inplanes
        self.planes = planes
        self.stride = stride
        self.dilation = dilation
        self.style = style
        self.with_cp = with_cp
        self.conv_cfg = conv_cfg
        self.norm_cfg = dict(type="BN") if norm_cfg is None else norm_cfg
        self.conv1_stride, self.conv2_stride = (1, stride) if style == "pytorch" else (stride, 1)
        self.downsample = downsample
        self._build(self.planes, groups=1)

    def _build(self, width: int, groups: int) -> None:
        """Create the three convs and norms with ``width`` inner channels."""
        out_channels = self.planes * self.expansion
        self.norm1_name, norm1 = build_norm_layer(self.norm_cfg, width, postfix=1)
        self.norm2_name, norm2 = build_norm_layer(self.norm_cfg, width, postfix=2)
        self.norm3_name, norm3 = build_norm_layer(self.norm_cfg, out_channels, postfix=3)
        self.conv1 = build_conv_layer(
            self.conv_cfg, self.inplanes, width, 1, stride=self.conv1_stride, bias=False
        )
        self.add_module(self.norm1_name, norm1)
        self.conv2 = build_conv_layer(
            self.conv_cfg,
            width,
            width,
            3,
            stride=self.conv2_stride,
            padding=self.dilation,
            dilation=self.dilation,
            groups=groups,
            bias=False,
        )
        self.add_module(self.norm2_name, norm2)
        self.conv3 = build_conv_layer(self.conv_cfg, width, out_channels, 1, bias=False)
        self.add_module(self.norm3_name, norm3)
        self.relu = nn.ReLU(inplace=True)

    @property
    def norm1(self) -> nn.Module:
        """First norm layer."""
        return getattr(self, self.norm1_name)

    @property
    def norm2(self) -> nn.Module:
        """Second norm layer."""
        return getattr(self, self.norm2_name)

    @property
    def norm3(self) -> nn.Module:
        """Third norm layer."""
        return getattr(self, self.norm3_name)

    def forward(self, x: Tensor) -> Tensor:
        """``(N, inplanes, H, W)`` -> ``(N, 4 * planes, H / stride, W / stride)``."""

        def _inner(x: Tensor) -> Tensor:
            identity = x if self.downsample is None else self.downsample(x)
            out = self.relu(self.norm1(self.conv1(x)))
            out = self.relu(self.norm2(self.conv2(out)))
            out = self.norm3(self.conv3(out))
            out += identity  # in place: saves a feature-map allocation per block
            return out

        if self.with_cp and x.requires_grad:
            out = cp.checkpoint(_inner, x, use_reentrant=False)
        else:
            out = _inner(x)
        return self.relu(out)


@MODELS.register_module()
class ResNet(BaseModule):
    """ResNet (He et al.) returning the feature maps of the chosen stages.

    State-dict keys follow MMDetection, which are torchvision's too:
    ``conv1``, ``bn1``, ``layer{1..4}.{block}.conv1`` ..., ``downsample.0/1``
    (a torchvision file loads with only ``fc.*`` unexpected).

    Args:
        depth: 18, 34, 50, 101 or 152.
        in_channels: input channels. Defaults to 3.
        stem_channels: stem output channels. Defaults to ``base_channels``.
        base_channels: width of the first stage. Defaults to 64.
        num_stages: 1-4 stages. Defaults to 4.
        strides: stride of each stage. Defaults to (1, 2, 2, 2).
        dilations: dilation of each stage (R-50-DC5: strides (1, 2, 2, 1),
            dilations (1, 1, 1, 2)). Defaults to (1, 1, 1, 1).
        out_indices: stages whose outputs are returned. Defaults to (0, 1, 2, 3).
        style: ``'pytorch'`` (stride on the 3x3) or ``'caffe'`` (on the 1x1).
            Defaults to ``'pytorch'``.
        deep_stem: three 3x3 convs instead of the 7x7 stem. Defaults to False.
        avg_down: average-pool in the shortcut downsampling. Defaults to False.
        frozen_stages: stages (and the stem, from 0) frozen in eval mode
            without gradients; -1 freezes nothing. Defaults to -1.
        conv_cfg: conv config. Defaults to None.
        norm_cfg: norm config. Defaults to ``dict(type='BN', requires_grad=True)``.
        norm_eval: keep BN layers in eval mode while training. Defaults to True.
        dcn: not supported, must be None. Defaults to None.
        stage_with_dcn: kept for config compatibility. Defaults to all False.
        plugins: not supported, must be None. Defaults to None.
        with_cp: gradient checkpointing in the blocks. Defaults to False.
        zero_init_residual: zero-init the last norm of each block (when no
            pretrained weights are given). Defaults to True.
        pretrained: deprecated path of pretrained weights. Defaults to None.
        init_cfg: init config; ``dict(type='Pretrained', checkpoint=PATH)``
            loads a local file (``torchvision://`` names resolve to torch's
            download cache, never to the network). Defaults to None.
    """

    arch_settings = {
        18: (BasicBlock, (2, 2, 2, 2)),
        34: (BasicBlock, (3, 4, 6, 3)),
        50: (Bottleneck, (3, 4, 6, 3)),
        101: (Bottleneck, (3, 4, 23, 3)),
        152: (Bottleneck, (3, 8, 36, 3)),
    }

    def __init__(
        self,
        depth: int,
        in_channels: int = 3,
        stem_channels: Optional[int] = None,
        base_channels: int = 64,
        num_stages: int = 4,
        strides: Sequence[int] = (1, 2, 2, 2),
        dilations: Sequence[int] = (1, 1, 1, 1),
        out_indices: Sequence[int] = (0, 1, 2, 3),
        style: str = "pytorch",
        deep_stem: bool = False,
        avg_down: bool = False,
        frozen_stages: int = -1,
        conv_cfg: Optional[dict] = None,
        norm_cfg: Optional[dict] = None,
        norm_eval: bool = True,
        dcn: Optional[dict] = None,
        stage_with_dcn: Sequence[bool] = (False, False, False, False),
        plugins: Optional[list] = None,
        with_cp: bool = False,
        zero_init_residual: bool = True,
        pretrained: Optional[str] = None,
        init_cfg: Union[dict, list, None] = None,
    ) -> None:
        super().__init__(init_cfg)
        if depth not in self.arch_settings:
            raise KeyError(
                f"{type(self).__name__}: invalid depth {depth}, choose from "
                f"{sorted(self.arch_settings)}"
            )
        if dcn is not None or plugins:
            raise ValueError(f"{type(self).__name__}: dcn and plugins are not supported")
        if init_cfg is not None and pretrained is not None:
            raise ValueError(f"{type(self).__name__}: give init_cfg or pretrained, not both")
        if not 1 <= num_stages <= 4:
            raise ValueError(f"{type(self).__name__}: num_stages must be 1-4, got {num_stages}")
        if len(strides) != num_stages or len(dilations) != num_stages:
            raise ValueError(
                f"{type(self).__name__}: strides {tuple(strides)} and dilations "
                f"{tuple(dilations)} need {num_stages} entries"
            )
        if max(out_indices) >= num_stages:
            raise ValueError(
                f"{type(self).__name__}: out_indices {tuple(out_indices)} exceed "
                f"{num_stages} stages"
            )
        if style not in ("pytorch", "caffe"):
            raise ValueError(f"{type(self).__name__}: style must be 'pytorch' or 'caffe'")
        self.zero_init_residual = zero_init_residual
        block_init_cfg = None
        if isinstance(pretrained, str):
            warnings.warn(
                "ResNet: pretrained is deprecated, use init_cfg=dict(type='Pretrained', "
                "checkpoint=...)",
                stacklevel=2,
            )
            self.init_cfg = dict(type="Pretrained", checkpoint=pretrained)
        elif init_cfg is None:
            self.init_cfg = [
                dict(type="Kaiming", layer="Conv2d"),
                dict(type="Constant", val=1, layer=["_BatchNorm", "GroupNorm"]),
            ]
            block = self.arch_settings[depth][0]
            if zero_init_residual:
                last_norm = "norm2" if block is BasicBlock else "norm3"
                block_init_cfg = dict(type="Constant", val=0, override=dict(name=last_norm))

        self.depth = depth
        self.stem_channels = base_channels if stem_channels is None else stem_channels
        self.base_channels = base_channels
        self.num_stages = num_stages
        self.strides = tuple(strides)
        self.dilations = tuple(dilations)
        self.out_indices = tuple(out_indices)
        self.style = style
        self.deep_stem = deep_stem
        self.avg_down = avg_down
        self.frozen_stages = frozen_stages
        self.conv_cfg = conv_cfg
        self.norm_cfg = dict(_DEFAULT_NORM) if norm_cfg is None else dict(norm_cfg)
        self.with_cp = with_cp
        self.norm_eval = norm_eval
        self.stage_with_dcn = stage_with_dcn
        self.block, stage_blocks = self.arch_settings[depth]
        self.stage_blocks = stage_blocks[:num_stages]
        self.inplanes = self.stem_channels

        self._make_stem_layer(in_channels, self.stem_channels)
        self.res_layers: list[str] = []
        for i, num_blocks in enumerate(self.stage_blocks):
            planes = base_channels * 2**i
            res_layer = self.make_res_layer(
                block=self.block,
                inplanes=self.inplanes,
                planes=planes,
                num_blocks=num_blocks,
                stride=self.strides[i],
                dilation=self.dilations[i],
                style=self.style,
                avg_down=self.avg_down,
                with_cp=with_cp,
                conv_cfg=conv_cfg,
                norm_cfg=self.norm_cfg,
                init_cfg=block_init_cfg,
            )
            self.inplanes = planes * self.block.expansion
            layer_name = f"layer{i + 1}"
            self.add_module(layer_name, res_layer)
            self.res_layers.append(layer_name)
        self._freeze_stages()
        self.feat_dim = self.block.expansion * base_channels * 2 ** (len(self.stage_blocks) - 1)

    def make_res_layer(self, **kwargs) -> ResLayer:
        """Build one stage (overridden by ResNeXt to pass groups/base_width)."""
        return ResLayer(**kwargs)

    @property
    def norm1(self) -> nn.Module:
        """Norm layer of the 7x7 stem."""
        return getattr(self, self.norm1_name)

    def _make_stem_layer(self, in_channels: int, stem_channels: int) -> None:
        if self.deep_stem:
            half = stem_channels // 2
            self.stem = nn.Sequential(
                build_conv_layer(
                    self.conv_cfg, in_channels, half, 3, stride=2, padding=1, bias=False
                ),
                build_norm_layer(self.norm_cfg, half)[1],
                nn.ReLU(inplace=True),
                build_conv_layer(self.conv_cfg, half, half, 3, stride=1, padding=1, bias=False),
                build_norm_layer(self.norm_cfg, half)[1],
                nn.ReLU(inplace=True),
                build_conv_layer(
                    self.conv_cfg, half, stem_channels, 3, stride=1, padding=1, bias=False
                ),
                build_norm_layer(self.norm_cfg, stem_channels)[1],
                nn.ReLU(inplace=True),
            )
        else:
            self.conv1 = build_conv_layer(
                self.conv_cfg, in_channels, stem_channels, 7, stride=2, padding=3, bias=False
            )
            self.norm1_name, norm1 = build_norm_layer(self.norm_cfg, stem_channels, postfix=1)
            self.add_module(self.norm1_name, norm1)
            self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)

    def _freeze_stages(self) -> None:
        if self.frozen_stages >= 0:
            stem = [self.stem] if self.deep_stem else [self.conv1, self.norm1]
            for m in stem:
                m.eval()
                for param in m.parameters():
                    param.requires_grad = False
        for i in range(1, self.frozen_stages + 1):
            m = getattr(self, f"layer{i}")
            m.eval()
            for param in m.parameters():
                param.requires_grad = False

    def init_weights(self) -> None:
        """Initialise; a ``Pretrained`` checkpoint must resolve to a local file."""
        if isinstance(self.init_cfg, dict) and self.init_cfg.get("type") == "Pretrained":
            cfg = dict(self.init_cfg)
            cfg["checkpoint"] = resolve_local_checkpoint(
                str(cfg["checkpoint"]), owner=f"{type(self).__name__}.init_cfg"
            )
            self.init_cfg = cfg
        super().init_weights()

    def forward(self, x: Tensor) -> tuple[Tensor, ...]:
        """``(N, C, H, W)`` -> one feature map per ``out_indices`` stage."""
        if self.deep_stem:
            x = self.stem(x)
        else:
            x = self.relu(self.norm1(self.conv1(x)))
        x = self.maxpool(x)
        outs = []
        for i, layer_name in enumerate(self.res_layers):
            x = getattr(self, layer_name)(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)

    def train(self, mode: bool = True) -> ResNet:
        """Switch mode, keeping frozen stages (and BN with ``norm_eval``) in eval mode."""
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for m in self.modules():
                if isinstance(m, _BatchNorm):
                    m.eval()
        return self


@MODELS.register_module()
class ResNetV1d(ResNet):
    """ResNet-D: deep 3x3 stem and average-pool shortcut downsampling (Bag of Tricks)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(deep_stem=True, avg_down=True, **kwargs)
