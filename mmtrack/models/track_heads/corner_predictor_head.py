"""STARK's corner predictor: two score maps and their soft-argmax corners."""

from __future__ import annotations

from typing import Optional

import torch
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from torch import Tensor, nn

from mmtrack.registry import MODELS


def _corner_branch(inplanes: int, channel: int) -> nn.Sequential:
    """Four ``3x3 conv -> BN -> ReLU`` blocks (``channel``, /2, /4, /8) and a 1x1 conv to 1."""
    dims = [inplanes, channel, channel // 2, channel // 4, channel // 8]
    blocks: list[nn.Module] = [
        ConvModule(
            cin,
            cout,
            kernel_size=3,
            padding=1,
            bias=True,
            norm_cfg=dict(type="BN", requires_grad=True),
            act_cfg=dict(type="ReLU"),
            inplace=True,
        )
        for cin, cout in zip(dims[:-1], dims[1:])
    ]
    blocks.append(nn.Conv2d(dims[-1], 1, kernel_size=1))
    return nn.Sequential(*blocks)


@MODELS.register_module()
class CornerPredictorHead(BaseModule):
    """Top-left and bottom-right corner score maps, decoded by soft-argmax.

    Cell ``(i, j)`` of a ``feat_size x feat_size`` map stands for the pixel
    ``(x, y) = (j * stride, i * stride)``; a corner is the expectation of
    these coordinates under the softmax of its score map, so it lies in
    ``[0, (feat_size - 1) * stride]``.

    Args:
        inplanes: input channels.
        channel: channels of the first conv block (then halved three times).
        feat_size: side of the (square) input feature map. Defaults to 20.
        stride: feature stride in pixels. Defaults to 16.
        init_cfg: initialisation config. Defaults to None.
    """

    def __init__(
        self,
        inplanes: int,
        channel: int,
        feat_size: int = 20,
        stride: int = 16,
        init_cfg: Optional[dict] = None,
    ) -> None:
        super().__init__(init_cfg)
        if channel % 8 or channel <= 0:
            raise ValueError(f"CornerPredictorHead: channel must be a multiple of 8, got {channel}")
        self.feat_size = feat_size
        self.stride = stride
        self.img_size = feat_size * stride
        self.tl_corner_pred = _corner_branch(inplanes, channel)
        self.br_corner_pred = _corner_branch(inplanes, channel)
        index = torch.arange(feat_size, dtype=torch.float32) * stride
        self.register_buffer("coord_x", index.repeat(feat_size), persistent=False)
        self.register_buffer("coord_y", index.repeat_interleave(feat_size), persistent=False)

    def get_score_map(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """``x`` ``(B, C, F, F)`` -> top-left and bottom-right maps, each ``(B, 1, F, F)``."""
        return self.tl_corner_pred(x), self.br_corner_pred(x)

    def soft_argmax(self, score_map: Tensor) -> tuple[Tensor, Tensor]:
        """Expected ``(x, y)`` pixel of a score map.

        Args:
            score_map: ``(B, 1, F, F)`` (or ``(B, F, F)``) logits.

        Returns:
            ``(exp_x (B,), exp_y (B,))`` pixels, in ``[0, (F - 1) * stride]``.
        """
        if score_map.shape[-2:] != (self.feat_size, self.feat_size):
            raise ValueError(
                f"CornerPredictorHead: score map {tuple(score_map.shape)} is not "
                f"{self.feat_size}x{self.feat_size} (feat_size)"
            )
        prob = score_map.reshape(-1, self.feat_size * self.feat_size).softmax(dim=1)
        return (prob * self.coord_x).sum(dim=1), (prob * self.coord_y).sum(dim=1)

    def forward(self, x: Tensor) -> Tensor:
        """Corners of the box.

        Args:
            x: ``(B, C, F, F)``.

        Returns:
            ``(B, 4)`` ``tl_x, tl_y, br_x, br_y`` pixels of the
            ``F * stride`` search crop.
        """
        score_tl, score_br = self.get_score_map(x)
        tl_x, tl_y = self.soft_argmax(score_tl)
        br_x, br_y = self.soft_argmax(score_br)
        return torch.stack((tl_x, tl_y, br_x, br_y), dim=1)
