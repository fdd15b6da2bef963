"""STARK's transformer head (MMTracking 0.14 ``StarkTransformer`` and ``StarkHead``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Optional

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor, nn

from mmtrack.registry import MODELS

# the layer modules register the types the configs name
from ..layers import detr_transformer as _detr_transformer  # noqa: F401
from ..layers import positional_encoding as _positional_encoding  # noqa: F401
from . import corner_predictor_head as _corner_predictor_head  # noqa: F401
from . import score_head as _score_head  # noqa: F401

__all__ = ["StarkHead", "StarkTransformer"]


@MODELS.register_module()
class StarkTransformer(BaseModule):
    """DETR's encoder-decoder on one flattened template + search sequence.

    The encoder runs self-attention over all tokens (positions added to
    queries and keys, padded tokens masked); the decoder starts from zero
    targets with the learnt query embedding as their position and attends to
    the encoder memory.

    Args:
        encoder: :class:`~mmtrack.models.layers.DetrTransformerEncoder` config.
        decoder: :class:`~mmtrack.models.layers.DetrTransformerDecoder` config.
        init_cfg: initialisation config. Defaults to None.
    """

    def __init__(self, encoder: dict, decoder: dict, init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        self.encoder = MODELS.build(encoder)
        self.decoder = MODELS.build(decoder)
        self.embed_dims = self.encoder.embed_dims
        if self.decoder.embed_dims != self.embed_dims:
            raise ValueError(
                f"StarkTransformer: encoder embed_dims {self.embed_dims} != decoder "
                f"embed_dims {self.decoder.embed_dims}"
            )

    def init_weights(self) -> None:
        """Xavier-uniform on every weight of two or more dimensions (DETR's init)."""
        for m in self.modules():
            weight = getattr(m, "weight", None)
            if isinstance(weight, Tensor) and weight.dim() > 1:
                nn.init.xavier_uniform_(weight)
                bias = getattr(m, "bias", None)
                if isinstance(bias, Tensor):
                    nn.init.zeros_(bias)
        self._is_init = True

    def forward(
        self, x: Tensor, mask: Tensor, query_embed: Tensor, pos_embed: Tensor
    ) -> tuple[Tensor, Tensor]:
        """Encode and decode.

        Args:
            x: ``(L, B, C)`` tokens, ``L = 2 z_h z_w + x_h x_w`` (templates
                first, the search region last).
            mask: ``(B, L)`` bool, True on padded tokens.
            query_embed: ``(num_query, C)``.
            pos_embed: ``(L, B, C)``.

        Returns:
            ``out_dec`` ``(1, B, num_query, C)`` and the encoder memory
            ``(L, B, C)``.
        """
        bs = x.shape[1]
        query_embed = query_embed.unsqueeze(1).repeat(1, bs, 1)
        memory = self.encoder(
            query=x, key=None, value=None, query_pos=pos_embed, query_key_padding_mask=mask
        )
        target = torch.zeros_like(query_embed)
        out_dec = self.decoder(
            query=target,
            key=memory,
            value=memory,
            key_pos=pos_embed,
            query_pos=query_embed,
            key_padding_mask=mask,
        )
        return out_dec.transpose(1, 2), memory


@MODELS.register_module()
class StarkHead(BaseModule):
    """STARK head: transformer, corner box head and (ST2) score head.

    ST1 (``cls_head=None``) trains the box branch with the L1 and GIoU losses
    on boxes normalised by the search crop size; ST2 (``cls_head`` given)
    trains only the score head with a binary cross-entropy, the rest of the
    model frozen (``frozen_modules``). In training, ST1 runs only the box
    branch and ST2 only the score branch; at test time both run.

    Args:
        num_query: decoder queries. Defaults to 1.
        transformer: :class:`StarkTransformer` config.
        positional_encoding: positional encoding config (``num_feats`` must
            be half the transformer width). Defaults to
            ``SinePositionalEncoding(num_feats=128, normalize=True)``.
        bbox_head: :class:`~mmtrack.models.track_heads.CornerPredictorHead` config.
        cls_head: :class:`~mmtrack.models.track_heads.ScoreHead` config (ST2).
        loss_cls: score loss (ST2). Defaults to ``CrossEntropyLoss``.
        loss_bbox: L1 loss (ST1). Defaults to ``L1Loss(loss_weight=5.0)``.
        loss_iou: IoU loss (ST1). Defaults to ``GIoULoss(loss_weight=2.0)``.
        train_cfg: unused, kept for config compatibility.
        test_cfg: unused, kept for config compatibility.
        init_cfg: initialisation config. Defaults to None.
        frozen_modules: names of sub-modules whose parameters get
            ``requires_grad=False`` (ST2: ``['transformer', 'bbox_head',
            'query_embedding']``).
    """

    def __init__(
        self,
        num_query: int = 1,
        transformer: Optional[dict] = None,
        positional_encoding: Optional[dict] = None,
        bbox_head: Optional[dict] = None,
        cls_head: Optional[dict] = None,
        loss_cls: Optional[dict] = None,
        loss_bbox: Optional[dict] = None,
        loss_iou: Optional[dict] = None,
        train_cfg: Optional[dict] = None,
        test_cfg: Optional[dict] = None,
        init_cfg: Optional[dict] = None,
        frozen_modules: Optional[Sequence[str]] = None,
        **kwargs,
    ) -> None:
        super().__init__(init_cfg)
        unknown = set(kwargs) - {"num_querys"}
        if unknown:
            raise KeyError(f"StarkHead: unknown arguments {sorted(unknown)}")
        # MMTracking 0.14's configs spell it num_querys
        num_query = int(kwargs.get("num_querys", num_query))
        if transformer is None or bbox_head is None:
            raise ValueError("StarkHead needs a transformer and a bbox_head config")
        self.transformer = MODELS.build(transformer)
        if positional_encoding is None:
            positional_encoding = dict(type="SinePositionalEncoding", num_feats=128, normalize=True)
        self.positional_encoding = MODELS.build(positional_encoding)
        self.embed_dims = self.transformer.embed_dims
        if 2 * self.positional_encoding.num_feats != self.embed_dims:
            raise ValueError(
                f"StarkHead: positional_encoding.num_feats ({self.positional_encoding.num_feats}) "
                f"must be half the transformer embed_dims ({self.embed_dims})"
            )
        self.bbox_head = MODELS.build(bbox_head)
        if cls_head is None:
            self.cls_head = None
            self.loss_bbox = MODELS.build(loss_bbox or dict(type="L1Loss", loss_weight=5.0))
            self.loss_iou = MODELS.build(loss_iou or dict(type="GIoULoss", loss_weight=2.0))
        else:
            self.cls_head = MODELS.build(cls_head)
            self.loss_cls = MODELS.build(
                loss_cls or dict(type="CrossEntropyLoss", use_sigmoid=False, loss_weight=1.0)
            )
        self.num_query = num_query
        self.query_embedding = nn.Embedding(num_query, self.embed_dims)
        self.train_cfg = train_cfg
        self.test_cfg = test_cfg
        for name in frozen_modules or []:
            module = getattr(self, name, None)
            if not isinstance(module, nn.Module):
                raise ValueError(f"StarkHead frozen_modules: no sub-module named {name!r}")
            for param in module.parameters():
                param.requires_grad = False

    def init_weights(self) -> None:
        """DETR's Xavier init of the transformer; PyTorch defaults elsewhere."""
        self.transformer.init_weights()

    @staticmethod
    def _merge_template_search(inputs: list[dict]) -> dict:
        """Flatten and concatenate template and search inputs (search last).

        Args:
            inputs: dicts of ``feat`` ``(B, C, h, w)``, ``mask`` ``(B, h, w)``
                and ``pos_embed`` ``(B, C, h, w)``.

        Returns:
            ``feat`` ``(L, B, C)``, ``mask`` ``(B, L)``, ``pos_embed`` ``(L, B, C)``.
        """
        return dict(
            feat=torch.cat([d["feat"].flatten(2).permute(2, 0, 1) for d in inputs], dim=0),
            mask=torch.cat([d["mask"].flatten(1) for d in inputs], dim=1),
            pos_embed=torch.cat(
                [d["pos_embed"].flatten(2).permute(2, 0, 1) for d in inputs], dim=0
            ),
        )

    def forward_bbox_head(self, feat: Tensor, enc_mem: Tensor) -> Tensor:
        """Corner boxes from the search tokens weighted by their query similarity.

        Args:
            feat: ``(1, B, num_query, C)`` decoder output.
            enc_mem: ``(L, B, C)`` encoder memory, the search tokens last.

        Returns:
            ``(B, num_query, 4)`` ``tl_x, tl_y, br_x, br_y`` search-crop pixels.
        """
        size = self.bbox_head.feat_size
        x_feat = enc_mem[-size * size :].transpose(0, 1)  # (B, HW, C)
        dec_embed = feat.squeeze(0).transpose(1, 2)  # (B, C, Nq)
        attention = torch.matmul(x_feat, dec_embed)  # (B, HW, Nq)
        bbox_feat = x_feat.unsqueeze(-1) * attention.unsqueeze(-2)  # (B, HW, C, Nq)
        bbox_feat = bbox_feat.permute(0, 3, 2, 1).contiguous()  # (B, Nq, C, HW)
        bs, num_query, dim, _ = bbox_feat.shape
        boxes = self.bbox_head(bbox_feat.view(-1, dim, size, size))
        return boxes.view(bs, num_query, 4)

    def forward(self, inputs: list[dict]) -> dict:
        """Run the head on the templates and the search region.

        Args:
            inputs: one dict per template, then the search region's: ``feat``
                (tuple of one ``(B, C, h, w)`` map, as the neck returns it)
                and ``mask`` ``(B, H, W)`` bool, True on padded crop pixels
                (resized to ``h x w`` by nearest neighbour).

        Returns:
            ``pred_bboxes`` ``(B, num_query, 4)`` tl/br search-crop pixels
            (ST1 training and testing) and ``pred_logits``
            ``(B, num_query, 1)`` (ST2 training and testing).
        """
        all_inputs = []
        for item in inputs:
            feat = item["feat"][0] if isinstance(item["feat"], (tuple, list)) else item["feat"]
            mask = F.interpolate(item["mask"][None].float(), size=feat.shape[-2:]).to(torch.bool)[0]
            all_inputs.append(dict(feat=feat, mask=mask, pos_embed=self.positional_encoding(mask)))
        merged = self._merge_template_search(all_inputs)
        out_dec, enc_mem = self.transformer(
            merged["feat"], merged["mask"], self.query_embedding.weight, merged["pos_embed"]
        )
        results = {}
        if self.cls_head is not None:
            results["pred_logits"] = self.cls_head(out_dec)
        if not self.training or self.cls_head is None:
            results["pred_bboxes"] = self.forward_bbox_head(out_dec, enc_mem)
        return results

    def loss(
        self,
        track_results: dict,
        gt_bboxes: Tensor,
        gt_labels: Optional[Tensor] = None,
        img_size: Optional[Sequence[int]] = None,
    ) -> dict:
        """Losses of one batch.

        ST1: the first query's box and the gt, both divided by the crop
        width / height (the gt clamped to ``[0, 1]``), give ``loss_bbox`` (L1)
        and ``loss_iou`` (GIoU; zero while any predicted or gt box is
        degenerate, as in MMTracking). ST2: ``loss_cls`` on the first query's
        logit against the 0/1 label.

        Args:
            track_results: :meth:`forward`'s output.
            gt_bboxes: ``(B, 4)`` x1y1x2y2 search-crop pixels.
            gt_labels: ``(B,)`` 1 if the target is in the search crop (ST2).
            img_size: ``(H, W)`` of the search crop (ST1).

        Returns:
            ``loss_bbox`` and ``loss_iou`` (ST1) or ``loss_cls`` (ST2).
        """
        if self.cls_head is None:
            if img_size is None:
                raise ValueError("StarkHead.loss: ST1 needs img_size (H, W) of the search crop")
            scale = gt_bboxes.new_tensor([img_size[1], img_size[0], img_size[1], img_size[0]])
            pred = track_results["pred_bboxes"][:, 0] / scale
            gt = (gt_bboxes.float() / scale).clamp(0.0, 1.0)
            degenerate = (pred[:, :2] >= pred[:, 2:]).any() or (gt[:, :2] >= gt[:, 2:]).any()
            loss_iou = (pred - gt).sum() * 0.0 if degenerate else self.loss_iou(pred, gt)
            return dict(loss_bbox=self.loss_bbox(pred, gt), loss_iou=loss_iou)
        if gt_labels is None:
            raise ValueError("StarkHead.loss: ST2 (cls_head) needs gt_labels")
        logits = track_results["pred_logits"][:, 0].reshape(-1)
        return dict(loss_cls=self.loss_cls(logits, gt_labels.float().reshape(-1)))
