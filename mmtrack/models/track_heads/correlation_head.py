"""Depth-wise correlation branch of SiamRPN++ (MMTracking's ``CorrelationHead``)."""

from __future__ import annotations

from typing import Optional

import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from torch import Tensor

from mmtrack.ops.xcorr import depthwise_xcorr
from mmtrack.registry import MODELS


@MODELS.register_module()
class CorrelationHead(BaseModule):
    """Conv template and search features, correlate them depth-wise, map to outputs.

    Keys (MMTracking's): ``kernel_convs.conv`` / ``.bn``, ``search_convs.conv``
    / ``.bn``, ``head_convs.0.conv`` / ``.bn`` (1x1) and ``head_convs.1.conv``
    (1x1 with bias, no norm or activation).

    Args:
        in_channels: input channels.
        mid_channels: channels of the convs before and after the correlation.
        out_channels: output channels (``2 A`` scores or ``4 A`` deltas).
        kernel_size: size of the two (unpadded) input convs. Defaults to 3.
        norm_cfg: norm config. Defaults to ``dict(type='BN')``.
        act_cfg: activation config. Defaults to ``dict(type='ReLU')``.
        init_cfg: init config. Defaults to None.
    """

    def __init__(
        self,
        in_channels: int,
        mid_channels: int,
        out_channels: int,
        kernel_size: int = 3,
        norm_cfg: Optional[dict] = None,
        act_cfg: Optional[dict] = None,
        init_cfg: Optional[dict] = None,
        **kwargs,
    ) -> None:
        super().__init__(init_cfg)
        norm_cfg = dict(type="BN") if norm_cfg is None else norm_cfg
        act_cfg = dict(type="ReLU") if act_cfg is None else act_cfg
        self.kernel_convs = ConvModule(
            in_channels, mid_channels, kernel_size, norm_cfg=norm_cfg, act_cfg=act_cfg
        )
        self.search_convs = ConvModule(
            in_channels, mid_channels, kernel_size, norm_cfg=norm_cfg, act_cfg=act_cfg
        )
        self.head_convs = nn.Sequential(
            ConvModule(mid_channels, mid_channels, 1, norm_cfg=norm_cfg, act_cfg=act_cfg),
            ConvModule(mid_channels, out_channels, 1, act_cfg=None),
        )

    def forward(self, kernel: Tensor, search: Tensor) -> Tensor:
        """``(N, C, Hz, Wz)`` template and ``(N, C, Hx, Wx)`` search features ->
        ``(N, out_channels, Hx - Hz + 1, Wx - Wz + 1)``."""
        kernel = self.kernel_convs(kernel)
        search = self.search_convs(search)
        return self.head_convs(depthwise_xcorr(search, kernel))
