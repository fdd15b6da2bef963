"""Fully-connected layer with optional norm and activation."""

from __future__ import annotations

from typing import Optional

import torch.nn as nn
from mmcv.cnn import build_activation_layer, build_norm_layer
from mmengine.model import BaseModule
from torch import Tensor

from mmtrack.registry import MODELS

# Activations whose constructors take no ``inplace`` argument.
_NO_INPLACE = ("Tanh", "PReLU", "Sigmoid", "HSigmoid", "Swish", "GELU")


@MODELS.register_module()
class FcModule(BaseModule):
    """``Linear -> norm -> activation`` (MMTracking's ReID head block).

    State-dict keys: ``fc.*`` and the norm's name from ``build_norm_layer``
    (``bn.*`` for ``BN1d``), so MMTracking ReID checkpoints load.

    Args:
        in_channels: input features.
        out_channels: output features.
        norm_cfg: norm config (e.g. ``dict(type='BN1d')``), or None. Defaults to None.
        act_cfg: activation config, or None. Defaults to ``dict(type='ReLU')``.
        inplace: in-place activation. Defaults to True.
        init_cfg: initialisation config. Defaults to Kaiming on ``Linear``.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        norm_cfg: Optional[dict] = None,
        act_cfg: Optional[dict] = dict(type="ReLU"),  # noqa: B006
        inplace: bool = True,
        init_cfg: Optional[dict] = dict(type="Kaiming", layer="Linear"),  # noqa: B006
    ) -> None:
        super().__init__(init_cfg)
        if norm_cfg is not None and not isinstance(norm_cfg, dict):
            raise TypeError(f"FcModule: norm_cfg must be a dict or None, got {norm_cfg!r}")
        if act_cfg is not None and not isinstance(act_cfg, dict):
            raise TypeError(f"FcModule: act_cfg must be a dict or None, got {act_cfg!r}")
        self.norm_cfg = norm_cfg
        self.act_cfg = act_cfg
        self.inplace = inplace
        self.with_norm = norm_cfg is not None
        self.with_activation = act_cfg is not None
        self.fc = nn.Linear(in_channels, out_channels)
        if self.with_norm:
            self.norm_name, norm = build_norm_layer(norm_cfg, out_channels)
            self.add_module(self.norm_name, norm)
        if self.with_activation:
            cfg = dict(act_cfg)
            if cfg["type"] not in _NO_INPLACE:
                cfg.setdefault("inplace", inplace)
            self.activate = build_activation_layer(cfg)

    @property
    def norm(self) -> Optional[nn.Module]:
        """The norm layer, or None."""
        return getattr(self, self.norm_name) if self.with_norm else None

    def forward(self, x: Tensor, activate: bool = True, norm: bool = True) -> Tensor:
        """``(N, in_channels)`` -> ``(N, out_channels)``."""
        x = self.fc(x)
        if norm and self.with_norm:
            x = self.norm(x)
        if activate and self.with_activation:
            x = self.activate(x)
        return x
