"""RoI extractor that pools each RoI from one FPN level chosen by its size."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Optional, Union

import torch
from torch import Tensor

from mmtrack.registry import MODELS

from .base_roi_extractor import BaseRoIExtractor


@MODELS.register_module()
class SingleRoIExtractor(BaseRoIExtractor):
    """Pool each RoI on the level of its scale (FPN paper, eq. 1).

    A RoI of scale ``s = sqrt(w * h)`` goes to level
    ``clamp(floor(log2(s / finest_scale + 1e-6)), 0, L - 1)``: below 112 px
    level 0, [112, 224) level 1, [224, 448) level 2, larger level 3 with
    ``finest_scale=56``.

    Args:
        roi_layer: RoI layer config (``RoIAlign``/``RoIPool``).
        out_channels: feature channels.
        featmap_strides: stride of each level.
        finest_scale: scale mapped to level 0. Defaults to 56.
        init_cfg: init config. Defaults to None.
    """

    def __init__(
        self,
        roi_layer: dict,
        out_channels: int,
        featmap_strides: Sequence[int],
        finest_scale: int = 56,
        init_cfg: Union[dict, list, None] = None,
    ) -> None:
        super().__init__(roi_layer, out_channels, featmap_strides, init_cfg)
        self.finest_scale = finest_scale

    def map_roi_levels(self, rois: Tensor, num_levels: int) -> Tensor:
        """Level index ``(K,)`` of each ``(K, 5)`` roi."""
        scale = torch.sqrt((rois[:, 3] - rois[:, 1]) * (rois[:, 4] - rois[:, 2]))
        target_lvls = torch.floor(torch.log2(scale / self.finest_scale + 1e-6))
        return target_lvls.clamp(min=0, max=num_levels - 1).long()

    def forward(
        self, feats: Sequence[Tensor], rois: Tensor, roi_scale_factor: Optional[float] = None
    ) -> Tensor:
        """Pool ``(K, C, h, w)`` features for ``(K, 5)`` rois from the levels ``feats``.

        Args:
            feats: ``(N, C, H_l, W_l)`` maps, one per stride.
            rois: ``(K, 5)`` ``[batch_idx, x1, y1, x2, y2]`` in input pixels.
            roi_scale_factor: enlarge the rois about their centres (after the
                level is chosen). Defaults to None.
        """
        rois = rois.type_as(feats[0])
        out_size = self.roi_layers[0].output_size
        num_levels = len(feats)
        if len(rois) == 0:
            return feats[0].new_zeros(0, self.out_channels, *out_size)
        # every roi is written by exactly one level below, so no zero fill is needed
        roi_feats = feats[0].new_empty(rois.size(0), self.out_channels, *out_size)
        target_lvls = self.map_roi_levels(rois, num_levels)
        if roi_scale_factor is not None:
            rois = self.roi_rescale(rois, roi_scale_factor)
        if num_levels == 1:
            return self.roi_layers[0](feats[0], rois)
        for i in range(num_levels):
            inds = (target_lvls == i).nonzero(as_tuple=False).squeeze(1)
            if inds.numel() > 0:
                roi_feats[inds] = self.roi_layers[i](feats[i], rois[inds]).to(roi_feats.dtype)
            elif torch.is_grad_enabled() and feats[i].requires_grad:
                # keep every level in the graph when training (DDP needs all
                # parameters used); skipped at inference, where it only costs time
                roi_feats = roi_feats + feats[i].sum() * 0.0
        return roi_feats
