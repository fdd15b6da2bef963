"""Base of the RoI feature extractors."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from torch import Tensor

import mmtrack.ops.roi_align  # noqa: F401  (registers RoIAlign)
import mmtrack.ops.roi_pool  # noqa: F401  (registers RoIPool)
from mmtrack.registry import MODELS


class BaseRoIExtractor(BaseModule):
    """Holds one RoI layer per feature stride.

    Args:
        roi_layer: RoI layer config without ``spatial_scale``, e.g.
            ``dict(type='RoIAlign', output_size=7, sampling_ratio=0)``.
        out_channels: channels of the features.
        featmap_strides: stride of each feature level.
        init_cfg: init config. Defaults to None.
    """

    def __init__(
        self,
        roi_layer: dict,
        out_channels: int,
        featmap_strides: Sequence[int],
        init_cfg: Union[dict, list, None] = None,
    ) -> None:
        super().__init__(init_cfg)
        self.out_channels = out_channels
        self.featmap_strides = list(featmap_strides)
        self.roi_layers = self.build_roi_layers(roi_layer, self.featmap_strides)

    @property
    def num_inputs(self) -> int:
        """Number of feature levels used."""
        return len(self.featmap_strides)

    def build_roi_layers(self, layer_cfg: dict, featmap_strides: Sequence[int]) -> nn.ModuleList:
        """One RoI layer per stride with ``spatial_scale = 1 / stride``."""
        cfg = dict(layer_cfg)
        return nn.ModuleList(
            [MODELS.build(dict(cfg, spatial_scale=1.0 / s)) for s in featmap_strides]
        )

    @staticmethod
    def roi_rescale(rois: Tensor, scale_factor: float) -> Tensor:
        """Scale ``(K, 5)`` rois ``[batch, x1, y1, x2, y2]`` about their centres."""
        cx = (rois[:, 1] + rois[:, 3]) * 0.5
        cy = (rois[:, 2] + rois[:, 4]) * 0.5
        w = (rois[:, 3] - rois[:, 1]) * scale_factor
        h = (rois[:, 4] - rois[:, 2]) * scale_factor
        return torch.stack(
            (rois[:, 0], cx - w * 0.5, cy - h * 0.5, cx + w * 0.5, cy + h * 0.5), dim=-1
        )
