"""FGFA's embedding aggregator: adaptive cosine weights over warped feature maps."""

from __future__ import annotations

from typing import Optional, Union

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from torch import Tensor

from mmtrack.registry import MODELS


@MODELS.register_module()
class EmbedAggregator(BaseModule):
    """Weighted sum of reference feature maps by their cosine similarity to the key frame.

    FGFA (`Flow-Guided Feature Aggregation <https://arxiv.org/abs/1703.10025>`_,
    eq. 5-6): each map goes through the same embedding convs; at every pixel
    ``p`` the weight of reference ``j`` is
    ``softmax_j(<e(x)_p, e(ref_j)_p> / (|e(x)_p| |e(ref_j)_p|))``, and the
    output is ``sum_j w_j(p) * ref_j(p)``.

    State-dict keys: ``embed_convs.{i}.conv.{weight,bias}`` (and
    ``embed_convs.{i}.bn.*`` with a norm), as MMTracking 0.14.

    Args:
        num_convs: embedding convs (the last has no norm or activation). Defaults to 1.
        channels: channels of the feature maps. Defaults to 256.
        kernel_size: conv kernel size. Defaults to 3.
        norm_cfg: norm after each conv but the last. Defaults to None.
        act_cfg: activation after each conv but the last. Defaults to ReLU.
        init_cfg: init config. Defaults to None.
    """

    def __init__(
        self,
        num_convs: int = 1,
        channels: int = 256,
        kernel_size: int = 3,
        norm_cfg: Optional[dict] = None,
        act_cfg: Optional[dict] = None,
        init_cfg: Union[dict, list, None] = None,
    ) -> None:
        super().__init__(init_cfg)
        if num_convs < 1:
            raise ValueError(f"EmbedAggregator: num_convs must be >= 1, got {num_convs}")
        act_cfg = dict(type="ReLU") if act_cfg is None else act_cfg
        self.embed_convs = nn.ModuleList()
        for i in range(num_convs):
            last = i == num_convs - 1
            self.embed_convs.append(
                ConvModule(
                    channels,
                    channels,
                    kernel_size,
                    padding=(kernel_size - 1) // 2,
                    norm_cfg=None if last else norm_cfg,
                    act_cfg=None if last else act_cfg,
                )
            )

    def embed(self, x: Tensor) -> Tensor:
        """L2-normalised (over channels) embedding of ``(N, C, H, W)`` maps."""
        for conv in self.embed_convs:
            x = conv(x)
        return x / x.norm(p=2, dim=1, keepdim=True)

    def forward(self, x: Tensor, ref_x: Tensor) -> Tensor:
        """Aggregate ``ref_x`` for the key frame ``x``.

        Args:
            x: ``(1, C, H, W)`` key-frame features.
            ref_x: ``(N, C, H, W)`` reference features (already warped to the key frame).

        Returns:
            ``(1, C, H, W)`` aggregated features.
        """
        if x.dim() != 4 or x.shape[0] != 1:
            raise ValueError(f"EmbedAggregator: x must be (1, C, H, W), got {tuple(x.shape)}")
        if ref_x.dim() != 4 or ref_x.shape[1:] != x.shape[1:]:
            raise ValueError(
                f"EmbedAggregator: ref_x must be (N, {x.shape[1]}, {x.shape[2]}, {x.shape[3]}),"
                f" got {tuple(ref_x.shape)}"
            )
        weights = torch.sum(self.embed(ref_x) * self.embed(x), dim=1, keepdim=True)
        weights = weights.softmax(dim=0)
        return torch.sum(ref_x * weights, dim=0, keepdim=True)
