"""MixFormer's head: STARK's corner predictor and the score prediction module (MMTracking 0.14)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Optional

import torch
from mmengine.model import BaseModule
from mmengine.model.weight_init import trunc_normal_
from torch import Tensor, nn

from mmtrack.ops import PrRoIPool
from mmtrack.registry import MODELS

from .corner_predictor_head import CornerPredictorHead  # noqa: F401  (registers the type)
from .score_head import ScoreHead

__all__ = ["MixFormerHead", "MixFormerScoreDecoder"]


@MODELS.register_module()
class MixFormerScoreDecoder(nn.Module):
    """Score prediction module (SPM): a learnt score token reads the box and the template.

    The search features inside the box are pooled to ``pool_size x
    pool_size`` with Precise RoI Pooling; the (layer-normed) score token
    attends to them, then to the template tokens (two single-query
    attention layers, each projection + LayerNorm), and a 3-layer MLP
    gives the logit that the box holds the target.

    Args:
        pool_size: PrRoI pooling output side. Defaults to 4.
        feat_size: side of the search feature map. Defaults to 20.
        stride: search feature stride in pixels. Defaults to 16.
        num_heads: attention heads. Defaults to 6.
        hidden_dim: feature width. Defaults to 384.
        num_layers: MLP layers. Defaults to 3.
    """

    def __init__(
        self,
        pool_size: int = 4,
        feat_size: int = 20,
        stride: int = 16,
        num_heads: int = 6,
        hidden_dim: int = 384,
        num_layers: int = 3,
    ) -> None:
        super().__init__()
        if hidden_dim % num_heads:
            raise ValueError(
                f"MixFormerScoreDecoder: hidden_dim {hidden_dim} is not a multiple of num_heads "
                f"{num_heads}"
            )
        self.feat_size = feat_size
        self.stride = stride
        self.img_sz = feat_size * stride
        self.num_heads = num_heads
        self.pool_size = pool_size
        self.score_head = ScoreHead(hidden_dim, hidden_dim, 1, num_layers)
        # as in MMTracking: the scale uses the full width, not the head width
        self.scale = hidden_dim**-0.5
        self.search_prroipool = PrRoIPool(pool_size, spatial_scale=1.0)
        self.proj_q = nn.ModuleList(nn.Linear(hidden_dim, hidden_dim) for _ in range(2))
        self.proj_k = nn.ModuleList(nn.Linear(hidden_dim, hidden_dim) for _ in range(2))
        self.proj_v = nn.ModuleList(nn.Linear(hidden_dim, hidden_dim) for _ in range(2))
        self.proj = nn.ModuleList(nn.Linear(hidden_dim, hidden_dim) for _ in range(2))
        self.norm1 = nn.LayerNorm(hidden_dim)
        self.norm2 = nn.ModuleList(nn.LayerNorm(hidden_dim) for _ in range(2))
        self.score_token = nn.Parameter(torch.zeros(1, 1, hidden_dim))
        trunc_normal_(self.score_token, std=0.02)

    def _heads(self, x: Tensor) -> Tensor:
        b, n, c = x.shape
        return x.reshape(b, n, self.num_heads, c // self.num_heads).transpose(1, 2)

    def forward(self, search_feat: Tensor, template_feat: Tensor, search_box: Tensor) -> Tensor:
        """Score logits.

        Args:
            search_feat: ``(B, C, H, W)`` search features.
            template_feat: ``(B, C, H_t, W_t)`` (or ``(1, ...)``, shared) template features.
            search_box: ``(B, 4)`` x1y1x2y2 pixels of the ``feat_size *
                stride`` search crop.

        Returns:
            ``(B, 1, 1)`` logits.
        """
        b, _, _, w = search_feat.shape
        boxes = search_box.reshape(-1, 4).to(search_feat) / self.img_sz * w
        if boxes.shape[0] != b:
            raise ValueError(
                f"MixFormerScoreDecoder: {boxes.shape[0]} boxes for {b} search feature maps"
            )
        index = torch.arange(b, dtype=boxes.dtype, device=boxes.device)[:, None]
        rois = torch.cat([index, boxes], dim=1)
        box_feat = self.search_prroipool(search_feat, rois).flatten(2).transpose(1, 2)
        template = template_feat.flatten(2).transpose(1, 2).expand(b, -1, -1)
        x = self.norm1(self.score_token.expand(b, -1, -1))
        for i, memory in enumerate((box_feat, template)):
            q = self._heads(self.proj_q[i](x))
            k = self._heads(self.proj_k[i](memory))
            v = self._heads(self.proj_v[i](memory))
            attn = (q @ k.transpose(-2, -1) * self.scale).softmax(dim=-1)
            x = (attn @ v).transpose(1, 2).flatten(2)
            x = self.norm2[i](self.proj[i](x))
        return self.score_head(x).reshape(b, 1, 1)


@MODELS.register_module()
class MixFormerHead(BaseModule):
    """Corner box head on the search features and the score decoder.

    Args:
        bbox_head: :class:`CornerPredictorHead` config.
        score_head: :class:`MixFormerScoreDecoder` config (None: no score).
        loss_bbox: L1 loss on the boxes divided by the crop size (weight 5).
        loss_iou: GIoU loss on the same boxes (weight 2).
        loss_cls: score loss (binary cross-entropy on the logit).
        train_cfg: unused, kept for config compatibility.
        test_cfg: unused, kept for config compatibility.
        init_cfg: initialisation config. Defaults to None.
    """

    def __init__(
        self,
        bbox_head: Optional[dict] = None,
        score_head: Optional[dict] = None,
        loss_bbox: Optional[dict] = None,
        loss_iou: Optional[dict] = None,
        loss_cls: Optional[dict] = None,
        train_cfg: Optional[dict] = None,
        test_cfg: Optional[dict] = None,
        init_cfg: Optional[dict] = None,
    ) -> None:
        super().__init__(init_cfg)
        if bbox_head is None:
            raise ValueError("MixFormerHead needs a bbox_head config (CornerPredictorHead)")
        self.bbox_head = MODELS.build(bbox_head)
        self.score_decoder_head = MODELS.build(score_head) if score_head is not None else None
        self.loss_bbox = MODELS.build(loss_bbox or dict(type="L1Loss", loss_weight=5.0))
        self.loss_iou = MODELS.build(loss_iou or dict(type="GIoULoss", loss_weight=2.0))
        self.loss_cls = MODELS.build(
            loss_cls or dict(type="CrossEntropyLoss", use_sigmoid=True, loss_weight=1.0)
        )

    def forward_bbox_head(self, search: Tensor) -> Tensor:
        """``(B, C, F, F)`` search features -> ``(B, 1, 4)`` x1y1x2y2 crop pixels."""
        return self.bbox_head(search).reshape(search.shape[0], 1, 4)

    def forward(
        self,
        template: Tensor,
        search: Tensor,
        run_score_head: bool = True,
        gt_bboxes: Optional[Tensor] = None,
    ) -> dict:
        """Box and (optionally) score.

        Args:
            template: ``(B, C, H_t, W_t)`` template features.
            search: ``(B, C, F, F)`` search features.
            run_score_head: run the score decoder.
            gt_bboxes: ``(B, 4)`` x1y1x2y2 crop pixels the score decoder
                pools (training); the predicted boxes when None.

        Returns:
            ``pred_bboxes`` ``(B, 1, 4)`` x1y1x2y2 crop pixels and, with
            the score, ``pred_scores`` ``(B, 1, 1)`` logits.
        """
        boxes = self.forward_bbox_head(search)
        results = dict(pred_bboxes=boxes)
        if run_score_head and self.score_decoder_head is not None:
            rois = boxes.detach().reshape(-1, 4) if gt_bboxes is None else gt_bboxes
            results["pred_scores"] = self.score_decoder_head(search, template, rois)
        return results

    def loss(
        self,
        track_results: dict,
        gt_bboxes: Tensor,
        gt_labels: Optional[Tensor] = None,
        img_size: Optional[Sequence[int]] = None,
    ) -> dict:
        """Stage 1 box losses or stage 2 score loss.

        Boxes (``pred_bboxes`` present, no ``pred_scores``): prediction and
        gt divided by the crop width / height, the gt clamped to ``[0, 1]``,
        give ``loss_bbox`` (L1) and ``loss_iou`` (GIoU averaged over the
        samples whose predicted and gt boxes both have positive size; zero if
        none has. MixFormer's and STARK's code drop the GIoU of the whole
        batch as soon as one box is degenerate, which early in training
        drops most batches). Score (``pred_scores`` present): ``loss_cls`` on the
        logit against the 0/1 label.

        Args:
            track_results: :meth:`forward`'s output.
            gt_bboxes: ``(B, 4)`` x1y1x2y2 search-crop pixels.
            gt_labels: ``(B,)`` 1 if the target is in the search crop (score).
            img_size: ``(H, W)`` of the search crop (boxes).

        Returns:
            ``loss_bbox`` and ``loss_iou``, or ``loss_cls``.
        """
        if "pred_scores" in track_results:
            if gt_labels is None:
                raise ValueError("MixFormerHead.loss: the score loss needs gt_labels")
            logits = track_results["pred_scores"].reshape(-1)
            return dict(loss_cls=self.loss_cls(logits, gt_labels.float().reshape(-1)))
        if img_size is None:
            raise ValueError("MixFormerHead.loss: the box losses need img_size (H, W)")
        pred = track_results["pred_bboxes"].reshape(-1, 4)
        if not bool(torch.isfinite(pred).all()):
            raise ValueError("MixFormerHead.loss: the predicted boxes are not finite")
        scale = pred.new_tensor([img_size[1], img_size[0], img_size[1], img_size[0]])
        pred = pred / scale
        gt = (gt_bboxes.to(pred).reshape(-1, 4) / scale).clamp(0.0, 1.0)
        valid = (pred[:, :2] < pred[:, 2:]).all(dim=1) & (gt[:, :2] < gt[:, 2:]).all(dim=1)
        if bool(valid.any()):
            loss_iou = self.loss_iou(pred[valid], gt[valid])
        else:
            loss_iou = (pred - gt).sum() * 0.0
        return dict(loss_bbox=self.loss_bbox(pred, gt), loss_iou=loss_iou)
