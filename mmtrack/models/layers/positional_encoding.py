"""Sine positional encoding of DETR (MMDetection 2.x ``SinePositionalEncoding``)."""

from __future__ import annotations

import math
from typing import Optional

import torch
from mmengine.model import BaseModule
from torch import Tensor

from mmtrack.registry import MODELS


@MODELS.register_module()
class SinePositionalEncoding(BaseModule):
    """2-D sine / cosine positional encoding over the unpadded pixels of a mask.

    For a mask ``(B, H, W)`` (True on padding), ``y`` and ``x`` are the running
    counts of unpadded pixels down the rows and along the columns
    (``cumsum``); with ``normalize`` they are scaled to ``(y + offset) /
    (y_last + eps) * scale``. Channel ``2k`` of the x part is
    ``sin(x / T^(2k / F))`` and channel ``2k + 1`` is ``cos(x / T^(2k / F))``
    (``F = num_feats``, ``T = temperature``); the y part likewise; the output
    stacks the y part, then the x part.

    Args:
        num_feats: channels per axis (the output has ``2 * num_feats``).
        temperature: ``T``. Defaults to 10000.
        normalize: scale the coordinates to ``[0, scale]``. Defaults to False.
        scale: the scale with ``normalize``. Defaults to ``2 pi``.
        eps: added to the last count. Defaults to 1e-6.
        offset: added to the counts before normalising. Defaults to 0.
        init_cfg: initialisation config. Defaults to None.
    """

    def __init__(
        self,
        num_feats: int,
        temperature: int = 10000,
        normalize: bool = False,
        scale: float = 2 * math.pi,
        eps: float = 1e-6,
        offset: float = 0.0,
        init_cfg: Optional[dict] = None,
    ) -> None:
        super().__init__(init_cfg)
        if num_feats <= 0 or num_feats % 2:
            raise ValueError(
                f"SinePositionalEncoding: num_feats must be a positive even number, got {num_feats}"
            )
        self.num_feats = num_feats
        self.temperature = temperature
        self.normalize = normalize
        self.scale = scale
        self.eps = eps
        self.offset = offset

    def forward(self, mask: Tensor) -> Tensor:
        """Encode the positions.

        Args:
            mask: ``(B, H, W)`` bool (or 0/1), True / 1 on padded pixels.

        Returns:
            ``(B, 2 * num_feats, H, W)`` float32.
        """
        not_mask = 1 - mask.to(torch.int)
        y_embed = not_mask.cumsum(1, dtype=torch.float32)
        x_embed = not_mask.cumsum(2, dtype=torch.float32)
        if self.normalize:
            y_embed = (y_embed + self.offset) / (y_embed[:, -1:, :] + self.eps) * self.scale
            x_embed = (x_embed + self.offset) / (x_embed[:, :, -1:] + self.eps) * self.scale
        dim_t = torch.arange(self.num_feats, dtype=torch.float32, device=mask.device)
        dim_t = self.temperature ** (2 * (dim_t // 2) / self.num_feats)
        pos_x = x_embed[..., None] / dim_t
        pos_y = y_embed[..., None] / dim_t
        b, h, w = mask.shape
        pos_x = torch.stack((pos_x[..., 0::2].sin(), pos_x[..., 1::2].cos()), dim=4).view(
            b, h, w, -1
        )
        pos_y = torch.stack((pos_y[..., 0::2].sin(), pos_y[..., 1::2].cos()), dim=4).view(
            b, h, w, -1
        )
        return torch.cat((pos_y, pos_x), dim=3).permute(0, 3, 1, 2)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(num_feats={self.num_feats}, temperature={self.temperature}, "
            f"normalize={self.normalize}, scale={self.scale}, eps={self.eps})"
        )
