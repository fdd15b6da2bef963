"""Embedding head of MaskTrack R-CNN: RoI features -> embeddings -> match logits."""

from __future__ import annotations

from typing import Optional, Union

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from torch import Tensor
from torch.nn.modules.utils import _pair

from mmtrack.models.losses.accuracy import accuracy
from mmtrack.registry import MODELS

from .similarity import embed_similarity


@MODELS.register_module()
class RoIEmbedHead(BaseModule):
    """RoI features -> ``num_convs`` 3x3 convs -> (avg pool) -> flatten -> ``num_fcs`` fcs + ReLU.

    The match logits of a key RoI against ``M`` reference objects are the
    dot products of their embeddings with a leading zero column for "new
    object" (Yang et al., ICCV 2019, "Video Instance Segmentation"):
    ``(N, M + 1)``. Trained with cross-entropy against the index of the same
    instance in the reference frame (``0`` when it is not there).

    State-dict keys (as MMTracking 0.14): ``convs.{i}.conv.*`` and
    ``fcs.{i}.*``.

    Args:
        num_convs: conv layers. Defaults to 0.
        num_fcs: fully-connected layers. Defaults to 0.
        roi_feat_size: RoI feature size. Defaults to 7.
        in_channels: RoI feature channels. Defaults to 256.
        conv_out_channels: conv channels. Defaults to 256.
        with_avg_pool: average-pool the RoI features before the fcs. Defaults to False.
        fc_out_channels: fc channels. Defaults to 1024.
        conv_cfg: conv config. Defaults to None.
        norm_cfg: conv norm config. Defaults to None.
        loss_match: loss config. Defaults to softmax ``CrossEntropyLoss``.
        init_cfg: initialisation config. Defaults to None.
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
        loss_match: Optional[dict] = None,
        init_cfg: Union[dict, list, None] = None,
        **kwargs,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        if num_convs < 0 or num_fcs < 0:
            raise ValueError(
                f"RoIEmbedHead: num_convs and num_fcs must be >= 0, got {num_convs}, {num_fcs}"
            )
        self.num_convs = num_convs
        self.num_fcs = num_fcs
        self.roi_feat_size = _pair(roi_feat_size)
        self.roi_feat_area = self.roi_feat_size[0] * self.roi_feat_size[1]
        self.in_channels = in_channels
        self.conv_out_channels = conv_out_channels
        self.with_avg_pool = with_avg_pool
        self.fc_out_channels = fc_out_channels
        self.loss_match = MODELS.build(
            loss_match
            or dict(type="CrossEntropyLoss", use_sigmoid=False, loss_weight=1.0)
        )
        if with_avg_pool:
            self.avg_pool = nn.AvgPool2d(self.roi_feat_size)
        self.convs = nn.ModuleList()
        last = in_channels
        for i in range(num_convs):
            self.convs.append(
                ConvModule(
                    last if i == 0 else conv_out_channels,
                    conv_out_channels,
                    3,
                    padding=1,
                    conv_cfg=conv_cfg,
                    norm_cfg=norm_cfg,
                )
            )
        if num_convs > 0:
            last = conv_out_channels
        self.fcs = nn.ModuleList()
        if num_fcs > 0:
            if not with_avg_pool:
                last *= self.roi_feat_area
            for i in range(num_fcs):
                self.fcs.append(nn.Linear(last if i == 0 else fc_out_channels, fc_out_channels))
            last = fc_out_channels
        self.last_layer_dim = last
        self.relu = nn.ReLU(inplace=True)

    def embed(self, x: Tensor) -> Tensor:
        """Embeddings ``(N, last_layer_dim)`` of RoI features ``(N, C, h, w)``."""
        for conv in self.convs:
            x = conv(x)
        if self.num_fcs > 0:
            if self.with_avg_pool:
                x = self.avg_pool(x)
            x = x.flatten(1)
            for fc in self.fcs:
                x = self.relu(fc(x))
        else:
            x = x.flatten(1)
        return x

    @staticmethod
    def match_logits(embeds: Tensor, ref_embeds: Tensor) -> Tensor:
        """``(N, M + 1)`` logits: a zero "new object" column, then dot products ``(N, M)``."""
        sim = embed_similarity(embeds, ref_embeds, method="dot_product")
        return torch.cat((sim.new_zeros(sim.shape[0], 1), sim), dim=1)

    def forward(
        self,
        x: Tensor,
        ref_x: Tensor,
        num_x_per_img: list[int],
        num_x_per_ref_img: list[int],
    ) -> list[Tensor]:
        """Match logits of each key image's RoIs against its reference image's RoIs.

        Args:
            x: ``(N, C, h, w)`` key-frame RoI features of all images.
            ref_x: ``(M, C, h, w)`` reference-frame RoI features of all images.
            num_x_per_img: RoIs per key image.
            num_x_per_ref_img: RoIs per reference image.

        Returns:
            One ``(n_i, m_i + 1)`` logit tensor per image pair.
        """
        keys = torch.split(self.embed(x), list(num_x_per_img), dim=0)
        refs = torch.split(self.embed(ref_x), list(num_x_per_ref_img), dim=0)
        return [self.match_logits(k, r) for k, r in zip(keys, refs)]

    @staticmethod
    def get_targets(
        sampling_results: list,
        gt_instance_ids: list[Tensor],
        ref_gt_instance_ids: list[Tensor],
    ) -> tuple[list[Tensor], list[Tensor]]:
        """Match targets of the sampled key RoIs.

        A positive RoI's target is ``1 + j`` where ``j`` is the index of its
        gt's instance among the reference gts, or ``0`` (new object) when the
        instance is absent from the reference frame; negatives get weight 0.

        Args:
            sampling_results: one sampling result per key image (positives first).
            gt_instance_ids: ``(G_i,)`` instance ids of each key image's gts.
            ref_gt_instance_ids: ``(R_i,)`` instance ids of each reference image's gts.

        Returns:
            ``(targets, weights)``: per image ``(S_i,)`` long and float tensors.
        """
        targets, weights = [], []
        for res, ids, ref_ids in zip(sampling_results, gt_instance_ids, ref_gt_instance_ids):
            where = {int(v): j + 1 for j, v in enumerate(ref_ids.tolist())}
            pos_ids = ids[res.pos_assigned_gt_inds.long()].tolist()
            target = ids.new_zeros(len(res.bboxes), dtype=torch.long)
            target[: len(pos_ids)] = target.new_tensor([where.get(int(v), 0) for v in pos_ids])
            weight = res.bboxes.new_zeros(len(res.bboxes))
            weight[: len(pos_ids)] = 1.0
            targets.append(target)
            weights.append(weight)
        return targets, weights

    def loss(
        self,
        bbox_feats: Tensor,
        ref_bbox_feats: Tensor,
        num_bbox_per_img: list[int],
        num_bbox_per_ref_img: list[int],
        sampling_results: list,
        gt_instance_ids: list[Tensor],
        ref_gt_instance_ids: list[Tensor],
    ) -> dict[str, Tensor]:
        """``loss_match`` and ``match_accuracy`` (percent), averaged over the images.

        The cross-entropy of an image is summed over its positive RoIs and
        divided by the number of those with a match in the reference frame
        (at least 1), as MMTracking.
        """
        logits = self(bbox_feats, ref_bbox_feats, num_bbox_per_img, num_bbox_per_ref_img)
        targets, weights = self.get_targets(sampling_results, gt_instance_ids, ref_gt_instance_ids)
        loss_sum = bbox_feats.new_zeros(())
        acc_sum = bbox_feats.new_zeros(())
        for logit, target, weight in zip(logits, targets, weights):
            avg_factor = max(float((target > 0).sum()), 1.0)
            if logit.numel() > 0:
                loss_sum = loss_sum + self.loss_match(
                    logit, target, weight, avg_factor=avg_factor
                )
                valid = weight > 0
                acc_sum = acc_sum + accuracy(logit[valid], target[valid]).reshape(())
            else:  # keep the graph connected for DDP
                loss_sum = loss_sum + 0.0 * logit.sum()
        n = max(len(logits), 1)
        return dict(loss_match=loss_sum / n, match_accuracy=acc_sum / n)

    def predict(self, roi_feats: Tensor, prev_roi_feats: Tensor) -> Tensor:
        """``(N, M + 1)`` match logits of current RoIs against ``M`` previous ones."""
        return self(roi_feats, prev_roi_feats, [len(roi_feats)], [len(prev_roi_feats)])[0]
