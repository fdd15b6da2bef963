"""Temporal RoI Align: RoI features completed by the most similar reference features."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Optional

import torch
from mmcv.cnn import ConvModule
from torch import Tensor

from mmtrack.registry import MODELS

from .single_level_roi_extractor import SingleRoIExtractor


@MODELS.register_module()
class TemporalRoIAlign(SingleRoIExtractor):
    """RoI Align of the key frame, aggregated with Most Similar RoI Align of the references.

    `Temporal RoI Align <https://ojs.aaai.org/index.php/AAAI/article/view/16234>`_:

    1. RoI Align on the key frame gives ``(K, C, h, w)`` features.
    2. Most Similar RoI Align (:meth:`most_similar_roi_align`): for each of
       the ``K * h * w`` RoI cells, the cosine similarity with every position
       of each reference map (last level); the ``num_most_similar_points``
       best positions of a reference, weighted by the softmax of their
       similarities, give that cell's reference feature.
    3. Temporal attentional aggregation
       (:meth:`temporal_attentional_feature_aggregation`): key and reference
       RoI features go through ``embed_network`` (one 3x3 conv); per cell
       and per channel group (``num_temporal_attention_blocks`` groups) the
       weights are the softmax over frames of the dot product with the key's
       embedding divided by ``sqrt(C / groups)``; the output is the weighted
       sum over frames. With ``num_temporal_attention_blocks <= 0`` the frames
       are averaged.

    Without ``ref_feats`` it is a plain :class:`SingleRoIExtractor` (used for
    the reference proposals).

    State-dict keys: ``embed_network.conv.{weight,bias}`` (MMTracking 0.14).

    Args:
        num_most_similar_points: points kept per reference frame. Defaults to 2.
        num_temporal_attention_blocks: channel groups of the attention. Defaults to 4.
        **kwargs: see :class:`SingleRoIExtractor`.
    """

    #: :class:`~mmtrack.models.roi_heads.SelsaRoIHead` passes the reference features.
    uses_ref_feats = True

    def __init__(
        self, num_most_similar_points: int = 2, num_temporal_attention_blocks: int = 4, **kwargs
    ) -> None:
        super().__init__(**kwargs)
        if num_most_similar_points < 1:
            raise ValueError(
                "TemporalRoIAlign: num_most_similar_points must be >= 1, "
                f"got {num_most_similar_points}"
            )
        self.num_most_similar_points = num_most_similar_points
        self.num_temporal_attention_blocks = num_temporal_attention_blocks
        if num_temporal_attention_blocks > 0:
            if self.out_channels % num_temporal_attention_blocks:
                raise ValueError(
                    "TemporalRoIAlign: out_channels must be divisible by "
                    f"num_temporal_attention_blocks, got {self.out_channels} and "
                    f"{num_temporal_attention_blocks}"
                )
            self.embed_network = ConvModule(
                self.out_channels, self.out_channels, 3, padding=1, act_cfg=None
            )

    def temporal_attentional_feature_aggregation(self, x: Tensor, ref_x: Tensor) -> Tensor:
        """Attention over frames of the key and reference RoI features.

        Args:
            x: ``(1, K, C, h, w)`` key-frame RoI features.
            ref_x: ``(R, K, C, h, w)`` most similar RoI features of ``R`` references.

        Returns:
            ``(K, C, h, w)`` aggregated features.
        """
        x = torch.cat((x, ref_x), dim=0)
        t, k, c, h, w = x.shape
        groups = self.num_temporal_attention_blocks
        embed = self.embed_network(x.reshape(t * k, c, h, w))
        c_embed = embed.shape[1]
        embed = embed.view(t, k, groups, c_embed // groups, h, w)
        weights = torch.sum(embed * embed[:1], dim=3, keepdim=True) / (c_embed / groups) ** 0.5
        weights = weights.softmax(dim=0)
        weights = weights.expand(-1, -1, -1, c_embed // groups, -1, -1).reshape(t, k, c, h, w)
        return (x * weights).sum(dim=0)

    def most_similar_roi_align(self, roi_feats: Tensor, ref_feats: Tensor) -> Tensor:
        """Reference features of each RoI cell from its most similar reference positions.

        Args:
            roi_feats: ``(K, C, h, w)`` key-frame RoI features.
            ref_feats: ``(R, C, H, W)`` reference feature maps.

        Returns:
            ``(R, K, C, h, w)`` most similar RoI features.
        """
        k, c, h, w = roi_feats.shape
        r = ref_feats.shape[0]
        cells = roi_feats / roi_feats.norm(p=2, dim=1, keepdim=True)
        cells = cells.permute(0, 2, 3, 1).reshape(-1, c)  # (K*h*w, C)
        ref_unit = ref_feats / ref_feats.norm(p=2, dim=1, keepdim=True)
        ref_flat = ref_unit.permute(0, 2, 3, 1).reshape(r, -1, c)  # (R, HW, C)
        # (R, K*h*w, HW)
        sims = torch.matmul(cells.unsqueeze(0), ref_flat.transpose(1, 2))
        values, indices = sims.topk(k=self.num_most_similar_points, dim=2, largest=True)
        values = values.softmax(dim=2)
        ref_raw = ref_feats.permute(0, 2, 3, 1).reshape(r, -1, c)  # (R, HW, C)
        gathered = torch.gather(
            ref_raw.unsqueeze(1).expand(-1, indices.shape[1], -1, -1),
            2,
            indices.unsqueeze(-1).expand(-1, -1, -1, c),
        )  # (R, K*h*w, top_k, C)
        out = (gathered * values.unsqueeze(-1)).sum(dim=2)
        return out.view(r, k, h, w, c).permute(0, 1, 4, 2, 3)

    def forward(
        self,
        feats: Sequence[Tensor],
        rois: Tensor,
        roi_scale_factor: Optional[float] = None,
        ref_feats: Optional[Sequence[Tensor]] = None,
    ) -> Tensor:
        """RoI features ``(K, C, h, w)`` of ``(K, 5)`` rois, temporal when ``ref_feats`` is given.

        Args:
            feats: key-frame feature levels ``(1, C, H, W)``.
            rois: ``(K, 5)`` ``[batch_idx, x1, y1, x2, y2]`` in input pixels.
            roi_scale_factor: see :class:`SingleRoIExtractor`. Defaults to None.
            ref_feats: reference feature levels ``(R, C, H, W)``; the last level
                is searched. Defaults to None.
        """
        roi_feats = super().forward(feats, rois, roi_scale_factor)
        if ref_feats is None or roi_feats.shape[0] == 0:
            return roi_feats
        ref_roi_feats = self.most_similar_roi_align(roi_feats, ref_feats[-1])
        roi_feats = roi_feats.unsqueeze(0)
        if self.num_temporal_attention_blocks > 0:
            return self.temporal_attentional_feature_aggregation(roi_feats, ref_roi_feats)
        return torch.cat((roi_feats, ref_roi_feats), dim=0).mean(dim=0)
