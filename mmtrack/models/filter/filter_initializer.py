"""PrDiMP's filter initializer (MMTracking 1.x ``FilterInitializer``)."""

from __future__ import annotations

import torch
from mmengine.model import BaseModule
from torch import Tensor, nn

from mmtrack.ops import PrRoIPool
from mmtrack.registry import MODELS


@MODELS.register_module()
class FilterInitializer(BaseModule):
    """Initial target filter: the target region of the features, PrRoI-pooled.

    A 3x3 conv maps the classification features; the target box is pooled to
    ``filter_size x filter_size`` with :class:`~mmtrack.ops.PrRoIPool`; over
    several training images the filters are averaged. State-dict keys:
    ``filter_conv.weight``, ``filter_conv.bias``.

    Args:
        filter_size: Filter side. Defaults to 4.
        feature_dim: Feature channels. Defaults to 512.
        feature_stride: Feature stride in image pixels. Defaults to 16.
    """

    def __init__(self, filter_size: int = 4, feature_dim: int = 512, feature_stride: int = 16):
        super().__init__()
        self.filter_size = filter_size
        self.filter_conv = nn.Conv2d(feature_dim, feature_dim, kernel_size=3, padding=1)
        self.filter_pool = PrRoIPool(filter_size, 1 / feature_stride)

    def init_weights(self) -> None:
        """Zero conv (MMTracking 1.x): the offline training learns it."""
        nn.init.zeros_(self.filter_conv.weight)
        nn.init.zeros_(self.filter_conv.bias)

    def forward(self, feat: Tensor, bboxes: Tensor) -> Tensor:
        """Initial filters.

        Args:
            feat: ``(N_img, N_seq, C, H, W)`` (or ``(N_img, C, H, W)`` for one
                sequence) classification features.
            bboxes: ``(N_img, N_seq, 4)`` (or ``(N_img, 4)``) target boxes,
                x1y1x2y2 image pixels.

        Returns:
            ``(N_seq, C, filter_size, filter_size)``: the mean over images.
        """
        n_img = feat.shape[0]
        n_seq = feat.shape[1] if feat.dim() == 5 else 1
        boxes = bboxes.reshape(-1, 4)
        if boxes.shape[0] != n_img * n_seq:
            raise ValueError(
                f"FilterInitializer: {boxes.shape[0]} boxes for {n_img} x {n_seq} feature maps"
            )
        mapped = self.filter_conv(feat.reshape(-1, *feat.shape[-3:]))
        index = torch.arange(boxes.shape[0], dtype=boxes.dtype, device=boxes.device)
        pooled = self.filter_pool(mapped, torch.cat([index[:, None], boxes], dim=1))
        return pooled.reshape(n_img, n_seq, *pooled.shape[-3:]).mean(dim=0)
