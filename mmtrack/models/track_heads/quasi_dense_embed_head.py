"""Embedding head of QDTrack (quasi-dense similarity learning)."""

from __future__ import annotations

from typing import Optional, Union

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from torch import Tensor
from torch.nn.modules.utils import _pair

from mmtrack.registry import MODELS

from .similarity import embed_similarity


@MODELS.register_module()
class QuasiDenseEmbedHead(BaseModule):
    """RoI features -> ``num_convs`` 3x3 convs -> flatten -> ``num_fcs`` fcs -> ``fc_embed``.

    Trained with :class:`MultiPosCrossEntropyLoss` on dot-product
    similarities between the positive RoIs of the key frame and all sampled
    RoIs of the reference frame (``loss_track``) and an auxiliary
    :class:`L2Loss` on their cosine similarities (``loss_track_aux``).

    State-dict keys (as MMTracking): ``convs.{i}.conv``, ``convs.{i}.gn``,
    ``fcs.{i}``, ``fc_embed``.

    Args:
        num_convs: conv layers. Defaults to 0.
        num_fcs: fully-connected layers. Defaults to 0.
        roi_feat_size: RoI feature size. Defaults to 7.
        in_channels: RoI feature channels. Defaults to 256.
        conv_out_channels: conv channels. Defaults to 256.
        with_avg_pool: average-pool the RoI features before the fcs. Defaults to False.
        fc_out_channels: fc channels. Defaults to 1024.
        conv_cfg: conv config. Defaults to None.
        norm_cfg: conv norm config (QDTrack: ``dict(type='GN', num_groups=32)``).
            Defaults to None.
        embed_channels: embedding size. Defaults to 256.
        softmax_temp: temperature of the dot-product similarity (<= 0: none).
            Defaults to -1.
        loss_track: main loss config. Defaults to
            ``dict(type='MultiPosCrossEntropyLoss', loss_weight=0.25)``.
        loss_track_aux: auxiliary loss config, or None. Defaults to
            ``dict(type='L2Loss', neg_pos_ub=3, pos_margin=0, neg_margin=0.1,
            hard_mining=True, loss_weight=1.0)``.
        init_cfg: initialisation config. Defaults to Xavier (uniform) on
            ``Linear`` and Normal(0, 0.01) on ``fc_embed``.
    """

    def __init__(
        self,
        num_convs: int = 0,
        num_fcs: int = 0,
        roi_feat_size: Union[int, tuple[int, int]] = 7,
        in_channels: int = 256,
        conv_out_channels: int = 256,
        with_avg_pool: bool = False,
        fc_out_channels: int = 1024,
        conv_cfg: Optional[dict] = None,
        norm_cfg: Optional[dict] = None,
        embed_channels: int = 256,
        softmax_temp: float = -1,
        loss_track: Optional[dict] = None,
        loss_track_aux: Optional[dict] = dict(  # noqa: B006
            type="L2Loss",
            neg_pos_ub=3,
            pos_margin=0,
            neg_margin=0.1,
            hard_mining=True,
            loss_weight=1.0,
        ),
        init_cfg: Union[dict, list, None] = dict(  # noqa: B006
            type="Xavier",
            layer="Linear",
            distribution="uniform",
            bias=0,
            override=dict(type="Normal", name="fc_embed", mean=0, std=0.01, bias=0),
        ),
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        self.num_convs = num_convs
        self.num_fcs = num_fcs
        self.roi_feat_size = _pair(roi_feat_size)
        self.roi_feat_area = self.roi_feat_size[0] * self.roi_feat_size[1]
        self.in_channels = in_channels
        self.conv_out_channels = conv_out_channels
        self.with_avg_pool = with_avg_pool
        self.fc_out_channels = fc_out_channels
        self.conv_cfg = conv_cfg
        self.norm_cfg = norm_cfg
        self.embed_channels = embed_channels
        self.softmax_temp = softmax_temp
        if self.with_avg_pool:
            self.avg_pool = nn.AvgPool2d(self.roi_feat_size)
        self.convs, self.fcs, last_dim = self._add_conv_fc_branch()
        self.relu = nn.ReLU(inplace=True)
        self.fc_embed = nn.Linear(last_dim, embed_channels)
        if loss_track is None:
            loss_track = dict(type="MultiPosCrossEntropyLoss", loss_weight=0.25)
        self.loss_track = MODELS.build(loss_track)
        self.loss_track_aux = MODELS.build(loss_track_aux) if loss_track_aux is not None else None

    def _add_conv_fc_branch(self) -> tuple[nn.ModuleList, nn.ModuleList, int]:
        last_dim = self.in_channels
        convs = nn.ModuleList()
        for i in range(self.num_convs):
            convs.append(
                ConvModule(
                    last_dim if i == 0 else self.conv_out_channels,
                    self.conv_out_channels,
                    3,
                    padding=1,
                    conv_cfg=self.conv_cfg,
                    norm_cfg=self.norm_cfg,
                )
            )
        if self.num_convs > 0:
            last_dim = self.conv_out_channels
        fcs = nn.ModuleList()
        if self.num_fcs > 0:
            if not self.with_avg_pool:
                last_dim *= self.roi_feat_area
            for i in range(self.num_fcs):
                fcs.append(
                    nn.Linear(last_dim if i == 0 else self.fc_out_channels, self.fc_out_channels)
                )
            last_dim = self.fc_out_channels
        elif not self.with_avg_pool:
            last_dim *= self.roi_feat_area
        return convs, fcs, last_dim

    def forward(self, x: Tensor) -> Tensor:
        """RoI features ``(N, C, h, w)`` -> embeddings ``(N, embed_channels)``."""
        for conv in self.convs:
            x = conv(x)
        if self.with_avg_pool:
            x = self.avg_pool(x)
        x = x.flatten(1)
        for fc in self.fcs:
            x = self.relu(fc(x))
        return self.fc_embed(x)

    @staticmethod
    def get_targets(
        gt_match_indices: list[Tensor], key_sampling_results: list, ref_sampling_results: list
    ) -> tuple[list[Tensor], list[Tensor]]:
        """Match targets of the key positives against the reference samples.

        Args:
            gt_match_indices: per image, ``(G,)`` index of each key gt in the
                reference frame's gts (-1: absent).
            key_sampling_results: per image, the key frame's sampling result.
            ref_sampling_results: per image, the reference frame's sampling result.

        Returns:
            ``targets`` (per image ``(P_key, N_ref)`` int, 1 where the key
            positive and the reference sample cover the same object) and
            ``weights`` (per image ``(P_key,)``, 1 for key positives with at
            least one match).
        """
        targets, weights = [], []
        for match, key_res, ref_res in zip(
            gt_match_indices, key_sampling_results, ref_sampling_results
        ):
            t = match.new_zeros(
                (key_res.pos_bboxes.size(0), ref_res.bboxes.size(0)), dtype=torch.int
            )
            key_to_ref = match[key_res.pos_assigned_gt_inds]
            pos2pos = (key_to_ref.view(-1, 1) == ref_res.pos_assigned_gt_inds.view(1, -1)).int()
            t[:, : pos2pos.size(1)] = pos2pos
            targets.append(t)
            weights.append((t.sum(dim=1) > 0).float())
        return targets, weights

    def match(
        self,
        key_embeds: Tensor,
        ref_embeds: Tensor,
        key_sampling_results: list,
        ref_sampling_results: list,
    ) -> tuple[list[Tensor], list[Optional[Tensor]]]:
        """Per image dot-product (and cosine, for the auxiliary loss) similarities."""
        key_split = torch.split(key_embeds, [r.pos_bboxes.size(0) for r in key_sampling_results])
        ref_split = torch.split(ref_embeds, [r.bboxes.size(0) for r in ref_sampling_results])
        dists, cos_dists = [], []
        for k, r in zip(key_split, ref_split):
            dists.append(embed_similarity(k, r, "dot_product", self.softmax_temp))
            cos_dists.append(
                embed_similarity(k, r, "cosine") if self.loss_track_aux is not None else None
            )
        return dists, cos_dists

    def loss(
        self,
        key_roi_feats: Tensor,
        ref_roi_feats: Tensor,
        key_sampling_results: list,
        ref_sampling_results: list,
        gt_match_indices_list: list[Tensor],
    ) -> dict[str, Tensor]:
        """``loss_track`` (and ``loss_track_aux``) from RoI features of both frames."""
        return self.loss_by_feat(
            self(key_roi_feats),
            self(ref_roi_feats),
            key_sampling_results,
            ref_sampling_results,
            gt_match_indices_list,
        )

    def loss_by_feat(
        self,
        key_track_feats: Tensor,
        ref_track_feats: Tensor,
        key_sampling_results: list,
        ref_sampling_results: list,
        gt_match_indices_list: list[Tensor],
    ) -> dict[str, Tensor]:
        """Losses from embeddings of the key positives and of all reference samples."""
        dists, cos_dists = self.match(
            key_track_feats, ref_track_feats, key_sampling_results, ref_sampling_results
        )
        targets, weights = self.get_targets(
            gt_match_indices_list, key_sampling_results, ref_sampling_results
        )
        loss_track = key_track_feats.new_zeros(())
        loss_aux = key_track_feats.new_zeros(())
        for d, c, t, w in zip(dists, cos_dists, targets, weights):
            loss_track = loss_track + self.loss_track(d, t, w, avg_factor=w.sum())
            if self.loss_track_aux is not None:
                loss_aux = loss_aux + self.loss_track_aux(c, t)
        losses = dict(loss_track=loss_track / max(len(dists), 1))
        if self.loss_track_aux is not None:
            losses["loss_track_aux"] = loss_aux / max(len(dists), 1)
        return losses

    def predict(self, bbox_feats: Tensor) -> Tensor:
        """Embeddings ``(N, embed_channels)`` of RoI features."""
        return self(bbox_feats)
