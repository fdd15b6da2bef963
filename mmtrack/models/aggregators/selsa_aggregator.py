"""SELSA's aggregator: multi-head attention of key proposals over reference proposals."""

from __future__ import annotations

from typing import Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from torch import Tensor

from mmtrack.registry import MODELS


@MODELS.register_module()
class SelsaAggregator(BaseModule):
    """Attention of the key frame's proposal features over the reference proposals.

    SELSA (`Sequence Level Semantics Aggregation <https://arxiv.org/abs/1907.06390>`_):
    queries ``fc_embed(x)`` and keys ``ref_fc_embed(ref_x)`` are split into
    ``num_attention_blocks`` heads of ``C / heads`` channels; per head the
    weights are ``softmax_m(q_n . k_m / sqrt(C / heads))`` over the ``M``
    reference proposals, the values are ``ref_fc(ref_x)``; the heads are
    concatenated and projected by ``fc``.

    State-dict keys: ``fc_embed``, ``ref_fc_embed``, ``fc``, ``ref_fc``
    (``.weight``/``.bias``), as MMTracking 0.14.

    Args:
        in_channels: proposal feature channels ``C`` (divisible by the heads).
        num_attention_blocks: attention heads. Defaults to 16.
        init_cfg: init config. Defaults to None.
    """

    def __init__(
        self,
        in_channels: int,
        num_attention_blocks: int = 16,
        init_cfg: Union[dict, list, None] = None,
    ) -> None:
        super().__init__(init_cfg)
        if num_attention_blocks < 1 or in_channels % num_attention_blocks:
            raise ValueError(
                "SelsaAggregator: in_channels must be divisible by num_attention_blocks, got "
                f"in_channels={in_channels}, num_attention_blocks={num_attention_blocks}"
            )
        self.fc_embed = nn.Linear(in_channels, in_channels)
        self.ref_fc_embed = nn.Linear(in_channels, in_channels)
        self.fc = nn.Linear(in_channels, in_channels)
        self.ref_fc = nn.Linear(in_channels, in_channels)
        self.num_attention_blocks = num_attention_blocks

    def forward(self, x: Tensor, ref_x: Tensor) -> Tensor:
        """Aggregate the reference proposal features for each key proposal.

        Args:
            x: ``(N, C)`` features of the key frame's proposals.
            ref_x: ``(M, C)`` features of the reference frames' proposals.

        Returns:
            ``(N, C)`` aggregated features.
        """
        n, c = x.shape
        m = ref_x.shape[0]
        heads = self.num_attention_blocks
        d = c // heads
        # (heads, N, d) @ (heads, d, M) -> (heads, N, M)
        query = self.fc_embed(x).view(n, heads, d).permute(1, 0, 2)
        key = self.ref_fc_embed(ref_x).view(m, heads, d).permute(1, 2, 0)
        weights = (torch.bmm(query, key) / d**0.5).softmax(dim=2)
        value = self.ref_fc(ref_x).view(m, heads, d).permute(1, 0, 2)
        out = torch.bmm(weights, value).permute(1, 0, 2).reshape(n, c)
        return self.fc(out)
