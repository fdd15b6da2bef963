"""Mask2Former-VIS track head (MMTracking 1.x ``Mask2FormerHead``, MMDetection 3.x
``Mask2FormerTrackHead``): video queries decoded with masked attention over
the features of all the frames of a clip, Hungarian matching loss over clips."""

from __future__ import annotations

import copy
from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from mmengine.dist import all_reduce, get_dist_info
from mmengine.model import BaseModule, ModuleList
from mmengine.model.weight_init import caffe2_xavier_init
from mmengine.structures import InstanceData
from torch import Tensor, nn

from mmtrack.models.layers.point_sample import (
    get_uncertain_point_coords_with_randomness,
    point_sample,
)
from mmtrack.registry import MODELS, TASK_UTILS

__all__ = ["Mask2FormerTrackHead", "masks_to_boxes"]


def masks_to_boxes(masks: Tensor) -> Tensor:
    """Tight x1y1x2y2 boxes (pixels, ``x2 = last column + 1``) of ``(N, H, W)`` bool masks.

    Empty masks get ``(0, 0, 0, 0)``.
    """
    n = masks.shape[0]
    boxes = masks.new_zeros((n, 4), dtype=torch.float32)
    if n == 0:
        return boxes
    cols, rows = masks.any(1), masks.any(2)
    for i in range(n):
        xs, ys = torch.nonzero(cols[i]).flatten(), torch.nonzero(rows[i]).flatten()
        if len(xs):
            boxes[i] = torch.stack([xs[0], ys[0], xs[-1] + 1, ys[-1] + 1]).float()
    return boxes


def _reduce_mean(x: Tensor) -> Tensor:
    if get_dist_info()[1] > 1:
        x = x.clone()
        all_reduce(x, op="mean")
    return x


def _cfg_get(cfg: Optional[dict], *path: str) -> object:
    for key in path:
        if not isinstance(cfg, dict) or key not in cfg:
            return None
        cfg = cfg[key]
    return cfg


@MODELS.register_module()
@MODELS.register_module(name="Mask2FormerHead")
class Mask2FormerTrackHead(BaseModule):
    """Mask2Former head over clips of ``T`` frames.

    Details in `Masked-attention Mask Transformer for Universal Image
    Segmentation <https://arxiv.org/abs/2112.01527>`_ and `Mask2Former for
    Video Instance Segmentation <https://arxiv.org/abs/2112.10764>`_.

    1. The pixel decoder turns the backbone features of the ``B * T`` frames
       into ``mask_feature`` ``(B*T, C, H/4, W/4)`` and 3 memories (1/32,
       1/16, 1/8); each memory gets its level embedding and a 3-D sine
       encoding and is flattened over time and space: ``(B, T*h*w, C)``.
    2. ``num_queries`` learnt video queries (``query_feat``, positions
       ``query_embed``) pass ``num_layers`` decoder layers, the level cycling
       1/32, 1/16, 1/8. Before each layer (and once before the first) the
       queries predict classes (``cls_embed``, ``num_classes + 1`` with
       no-object last) and masks ``(B, Q, T, H/4, W/4)`` = ``mask_embed(q) .
       mask_feature``; those masks, resized to the next level and thresholded
       at 0.5 over all ``T`` frames, gate the next cross attention (a query
       whose mask is empty everywhere attends to all keys).
    3. Training: every prediction (deep supervision) is matched one-to-one
       to the clip's objects (Hungarian, costs on ``num_points`` shared
       random points per frame) and gets ``loss_cls`` (CE, no-object weight
       0.1), ``loss_mask`` (BCE) and ``loss_dice`` on ``num_points``
       uncertain points of each matched frame mask, normalised as MMTracking
       1.x does (dice by the number of objects, BCE by
       ``objects * num_points / T``). The last prediction's losses are
       ``loss_*``, the others ``d{i}.loss_*``.
    4. Test: the last prediction's top-k ``(query, class)`` pairs over the
       whole clip (``test_cfg['max_per_image']``, 10) become one instance each.

    State-dict names as MMTracking 1.x: ``pixel_decoder.*``,
    ``transformer_decoder.layers.{i}.{cross_attn,self_attn,ffn,norms}.*``,
    ``transformer_decoder.post_norm.*``, ``decoder_input_projs.{l}.*``
    (identity when the widths agree), ``query_embed.weight``,
    ``query_feat.weight``, ``level_embed.weight``, ``cls_embed.*``,
    ``mask_embed.{0,2,4}.*``.

    Args:
        in_channels: channels of the backbone levels (given to the pixel decoder).
        feat_channels: width of the pixel decoder and the queries.
        out_channels: width of the mask features.
        num_classes: number of object classes (without no-object).
        num_frames: frames per training clip ``T``.
        num_queries: number of video queries. Defaults to 100.
        num_transformer_feat_level: memory levels. Defaults to 3.
        pixel_decoder: pixel decoder config (``MSDeformAttnPixelDecoder``);
            ``in_channels``, ``feat_channels`` and ``out_channels`` are set here.
        enforce_decoder_input_project: a 1x1 conv on each memory even when
            the widths agree. Defaults to False.
        transformer_decoder: :class:`Mask2FormerTransformerDecoder` kwargs
            (``num_layers``, ``layer_cfg``, ...).
        positional_encoding: the memories' encoding. Defaults to
            ``SinePositionalEncoding3D(num_feats=128, normalize=True)``.
        loss_cls: classification loss (its ``class_weight`` has
            ``num_classes + 1`` entries).
        loss_mask: mask BCE loss.
        loss_dice: mask dice loss.
        strides: backbone strides of MMTracking 1.x configs (unused here;
            the pixel decoder config carries its own). Defaults to None.
        train_cfg: ``assigner``, ``sampler`` (``MaskPseudoSampler``, the
            matching is used as is), ``num_points`` (12544),
            ``oversample_ratio`` (3.0), ``importance_sample_ratio`` (0.75).
        test_cfg: ``max_per_image`` (10). Defaults to None.
        init_cfg: initialisation config. Defaults to None.
    """

    def __init__(
        self,
        in_channels: Sequence[int],
        feat_channels: int,
        out_channels: int,
        num_classes: int,
        num_frames: int,
        num_queries: int = 100,
        num_transformer_feat_level: int = 3,
        pixel_decoder: Optional[dict] = None,
        enforce_decoder_input_project: bool = False,
        transformer_decoder: Optional[dict] = None,
        positional_encoding: Optional[dict] = None,
        loss_cls: Optional[dict] = None,
        loss_mask: Optional[dict] = None,
        loss_dice: Optional[dict] = None,
        strides: Optional[Sequence[int]] = None,
        train_cfg: Optional[dict] = None,
        test_cfg: Optional[dict] = None,
        init_cfg: Optional[dict] = None,
    ) -> None:
        super().__init__(init_cfg)
        name = type(self).__name__
        if pixel_decoder is None or transformer_decoder is None:
            raise ValueError(f"{name}: pixel_decoder and transformer_decoder configs are required")
        self.num_classes = num_classes
        self.num_queries = num_queries
        self.num_frames = num_frames
        self.num_transformer_feat_level = num_transformer_feat_level
        levels = _cfg_get(pixel_decoder, "encoder", "layer_cfg", "self_attn_cfg", "num_levels")
        if levels is not None and levels != num_transformer_feat_level:
            raise ValueError(
                f"{name}: pixel_decoder.encoder.layer_cfg.self_attn_cfg.num_levels={levels} "
                f"!= num_transformer_feat_level={num_transformer_feat_level}"
            )
        pixel_decoder = copy.deepcopy(dict(pixel_decoder))
        pixel_decoder.update(
            in_channels=list(in_channels), feat_channels=feat_channels, out_channels=out_channels
        )
        self.pixel_decoder = MODELS.build(pixel_decoder)
        decoder_cfg = dict(transformer_decoder)
        decoder_cfg.setdefault("type", "Mask2FormerTransformerDecoder")
        self.transformer_decoder = MODELS.build(decoder_cfg)
        self.num_transformer_decoder_layers = self.transformer_decoder.num_layers
        self.num_heads = self.transformer_decoder.layers[0].cross_attn.num_heads
        self.decoder_embed_dims = self.transformer_decoder.embed_dims
        self.decoder_input_projs = ModuleList()
        for _ in range(num_transformer_feat_level):  # low to high resolution
            if self.decoder_embed_dims != feat_channels or enforce_decoder_input_project:
                self.decoder_input_projs.append(
                    nn.Conv2d(feat_channels, self.decoder_embed_dims, kernel_size=1)
                )
            else:
                self.decoder_input_projs.append(nn.Identity())
        self.decoder_positional_encoding = MODELS.build(
            positional_encoding
            or dict(type="SinePositionalEncoding3D", num_feats=128, normalize=True)
        )
        self.query_embed = nn.Embedding(num_queries, feat_channels)
        self.query_feat = nn.Embedding(num_queries, feat_channels)
        self.level_embed = nn.Embedding(num_transformer_feat_level, feat_channels)
        self.cls_embed = nn.Linear(feat_channels, num_classes + 1)
        self.mask_embed = nn.Sequential(
            nn.Linear(feat_channels, feat_channels),
            nn.ReLU(inplace=True),
            nn.Linear(feat_channels, feat_channels),
            nn.ReLU(inplace=True),
            nn.Linear(feat_channels, out_channels),
        )

        self.train_cfg = train_cfg or {}
        self.test_cfg = test_cfg or {}
        self.assigner = None
        if train_cfg:
            self.assigner = TASK_UTILS.build(train_cfg["assigner"])
            sampler = train_cfg.get("sampler")
            stype = sampler.get("type", "") if isinstance(sampler, dict) else ""
            if sampler is not None and not str(stype).endswith("MaskPseudoSampler"):
                raise ValueError(
                    f"{name}: train_cfg.sampler must be MaskPseudoSampler (the Hungarian "
                    f"matching is used as is), got {stype!r}"
                )
        self.num_points = int(self.train_cfg.get("num_points", 12544))
        self.oversample_ratio = float(self.train_cfg.get("oversample_ratio", 3.0))
        self.importance_sample_ratio = float(self.train_cfg.get("importance_sample_ratio", 0.75))

        loss_cls = loss_cls or dict(
            type="CrossEntropyLoss",
            use_sigmoid=False,
            loss_weight=2.0,
            reduction="mean",
            class_weight=[1.0] * num_classes + [0.1],
        )
        class_weight = loss_cls.get("class_weight")
        if class_weight is None or len(class_weight) != num_classes + 1:
            raise ValueError(
                f"{name}: loss_cls.class_weight must have num_classes + 1 = {num_classes + 1} "
                f"entries (no-object last), got {class_weight!r}"
            )
        self.class_weight = list(class_weight)
        self.loss_cls = MODELS.build(loss_cls)
        self.loss_mask = MODELS.build(
            loss_mask
            or dict(type="CrossEntropyLoss", use_sigmoid=True, reduction="mean", loss_weight=5.0)
        )
        self.loss_dice = MODELS.build(
            loss_dice
            or dict(
                type="DiceLoss",
                use_sigmoid=True,
                activate=True,
                reduction="mean",
                naive_dice=True,
                eps=1.0,
                loss_weight=5.0,
            )
        )

    def init_weights(self) -> None:
        """Xavier for the input projections and the decoder's matrices, the pixel
        decoder's own init (as MMTracking 1.x); the rest keeps PyTorch's init."""
        for m in self.decoder_input_projs:
            if isinstance(m, nn.Conv2d):
                caffe2_xavier_init(m, bias=0)
        if hasattr(self.pixel_decoder, "init_weights"):
            self.pixel_decoder.init_weights()
        for p in self.transformer_decoder.parameters():
            if p.dim() > 1:
                nn.init.xavier_normal_(p)

    # -- forward ------------------------------------------------------------------------------
    def _forward_head(
        self, query: Tensor, mask_feature: Tensor, attn_size: tuple
    ) -> tuple[Tensor, Tensor, Tensor]:
        """Class logits, mask logits and the next layer's attention mask.

        Args:
            query: ``(B, Q, C)`` decoder output.
            mask_feature: ``(B, T, C_out, H, W)``.
            attn_size: ``(h, w)`` of the next memory level.

        Returns:
            ``cls_pred`` ``(B, Q, num_classes + 1)``, ``mask_pred``
            ``(B, Q, T, H, W)`` and ``attn_mask`` ``(B * heads, Q, T*h*w)``
            bool (True: sigmoid of the resized mask < 0.5, key not attended).
        """
        query = self.transformer_decoder.post_norm(query)
        cls_pred = self.cls_embed(query)
        mask_pred = torch.einsum("bqc,btchw->bqthw", self.mask_embed(query), mask_feature)
        b, q, t = mask_pred.shape[:3]
        attn = F.interpolate(
            mask_pred.flatten(0, 1), tuple(attn_size), mode="bilinear", align_corners=False
        ).view(b, q, t * int(attn_size[0]) * int(attn_size[1]))
        attn = attn.unsqueeze(1).repeat(1, self.num_heads, 1, 1).flatten(0, 1)
        return cls_pred, mask_pred, (attn.sigmoid() < 0.5).detach()

    def forward(self, x: Sequence[Tensor], data_samples: list) -> tuple[list, list]:
        """Decode the clips.

        Args:
            x: backbone features of the ``B * T`` frames (clip-major), each
                ``(B*T, C_l, H_l, W_l)``.
            data_samples: the ``B`` clips (:class:`TrackDataSample`), for ``B``.

        Returns:
            ``(cls_preds, mask_preds)``: ``num_layers + 1`` tensors each,
            ``(B, Q, num_classes + 1)`` and ``(B, Q, T, H/4, W/4)``.
        """
        mask_features, memories = self.pixel_decoder(list(x))
        bt, c_m, h_m, w_m = mask_features.shape
        batch_size = max(len(data_samples), 1)
        if bt % batch_size:
            raise ValueError(
                f"{type(self).__name__}: {bt} frames of features for {batch_size} clips"
            )
        t = bt // batch_size
        mask_features = mask_features.view(batch_size, t, c_m, h_m, w_m)
        inputs, positions = [], []
        for i in range(self.num_transformer_feat_level):
            mem = self.decoder_input_projs[i](memories[i]).flatten(2)
            mem = mem + self.level_embed.weight[i][None, :, None]
            c, hw = mem.shape[1:]
            inputs.append(mem.view(batch_size, t, c, hw).permute(0, 1, 3, 2).flatten(1, 2))
            pad = mem.new_zeros((batch_size, t) + tuple(memories[i].shape[-2:]), dtype=torch.bool)
            pos = self.decoder_positional_encoding(pad)
            positions.append(pos.flatten(3).permute(0, 1, 3, 2).flatten(1, 2))
        query_feat = self.query_feat.weight.unsqueeze(0).repeat(batch_size, 1, 1)
        query_embed = self.query_embed.weight.unsqueeze(0).repeat(batch_size, 1, 1)

        cls_pred, mask_pred, attn_mask = self._forward_head(
            query_feat, mask_features, memories[0].shape[-2:]
        )
        cls_preds, mask_preds = [cls_pred], [mask_pred]
        for i in range(self.num_transformer_decoder_layers):
            level = i % self.num_transformer_feat_level
            # a query whose mask is empty everywhere looks at every key
            attn_mask[attn_mask.all(-1)] = False
            query_feat = self.transformer_decoder.layers[i](
                query=query_feat,
                key=inputs[level],
                value=inputs[level],
                query_pos=query_embed,
                key_pos=positions[level],
                cross_attn_mask=attn_mask,
                key_padding_mask=None,
            )
            nxt = memories[(i + 1) % self.num_transformer_feat_level].shape[-2:]
            cls_pred, mask_pred, attn_mask = self._forward_head(query_feat, mask_features, nxt)
            cls_preds.append(cls_pred)
            mask_preds.append(mask_pred)
        return cls_preds, mask_preds

    # -- training -----------------------------------------------------------------------------
    def preprocess_gt(self, data_samples: list) -> list:
        """Per-clip video ground truth.

        Args:
            data_samples: ``B`` :class:`TrackDataSample` of ``T`` frames whose
                ``gt_instances`` have ``labels``, ``masks`` ``(n, H, W)``
                (padded to the batch) and ``instances_id``.

        Returns:
            One :class:`InstanceData` per clip: ``labels`` ``(G,)``,
            ``masks`` ``(G, T, H, W)`` long (zeros where an object is absent)
            and ``instances_id`` ``(G, T)`` (-1 where absent); ``G`` is the
            number of distinct ``instances_id`` in the clip.
        """
        out = []
        for clip in data_samples:
            frames = [clip[i].gt_instances for i in range(len(clip))]
            t = len(frames)
            h, w = frames[0].masks.shape[-2:]
            device = self.query_feat.weight.device
            ids = sorted({int(i) for f in frames for i in f.instances_id.tolist()})
            index = {i: k for k, i in enumerate(ids)}
            masks = torch.zeros((len(ids), t, int(h), int(w)), dtype=torch.long, device=device)
            inst_ids = torch.full((len(ids), t), -1, dtype=torch.long, device=device)
            labels = torch.full((len(ids),), -1, dtype=torch.long, device=device)
            for j, f in enumerate(frames):
                if len(f) and tuple(f.masks.shape[-2:]) != (int(h), int(w)):
                    raise ValueError(
                        f"{type(self).__name__}: frame {j} of a clip has masks of size "
                        f"{tuple(f.masks.shape[-2:])}, expected {(int(h), int(w))} (pad_mask=True "
                        "in the data preprocessor pads them to the batch)"
                    )
                for k, iid in enumerate(f.instances_id.tolist()):
                    g = index[int(iid)]
                    masks[g, j] = torch.as_tensor(f.masks[k], device=device).long()
                    inst_ids[g, j] = int(iid)
                    labels[g] = int(f.labels[k])
            out.append(InstanceData(labels=labels, masks=masks, instances_id=inst_ids))
        return out

    def _targets_single(
        self, cls_score: Tensor, mask_pred: Tensor, gt: InstanceData
    ) -> tuple[Tensor, Tensor, Tensor, int]:
        """Match one clip's queries to its objects.

        Args:
            cls_score: ``(Q, num_classes + 1)`` logits.
            mask_pred: ``(Q, T, h, w)`` logits.
            gt: ``labels`` ``(G,)`` and ``masks`` ``(G, T, H, W)``.

        Returns:
            ``labels`` ``(Q,)`` (``num_classes`` for no-object), ``mask_weights``
            ``(Q,)`` (1 on matched queries), ``mask_targets`` ``(P, T, H, W)``
            of the matched queries in query order, and ``max(P, 1)``.
        """
        q, g = cls_score.shape[0], len(gt)
        labels = cls_score.new_full((q,), self.num_classes, dtype=torch.long)
        weights = cls_score.new_zeros((q,))
        if g == 0:
            return labels, weights, gt.masks[:0], 1
        coords = torch.rand((1, self.num_points, 2), device=cls_score.device)
        pred_pts = point_sample(mask_pred, coords.repeat(q, 1, 1)).flatten(1)
        gt_pts = point_sample(gt.masks.float(), coords.repeat(g, 1, 1)).flatten(1)
        assign = self.assigner.assign(
            InstanceData(scores=cls_score, masks=pred_pts),
            InstanceData(labels=gt.labels, masks=gt_pts),
        )
        pos = torch.nonzero(assign.gt_inds > 0).flatten()
        gt_idx = assign.gt_inds[pos] - 1
        labels[pos] = gt.labels[gt_idx]
        weights[pos] = 1.0
        return labels, weights, gt.masks[gt_idx], max(len(pos), 1)

    def _loss_single(
        self, cls_scores: Tensor, mask_preds: Tensor, gts: list
    ) -> tuple[Tensor, Tensor, Tensor]:
        """``loss_cls``, ``loss_mask``, ``loss_dice`` of one decoder prediction.

        Args:
            cls_scores: ``(B, Q, num_classes + 1)``.
            mask_preds: ``(B, Q, T, h, w)``.
            gts: the ``B`` video ground truths of :meth:`preprocess_gt`.
        """
        if self.assigner is None:
            raise ValueError(f"{type(self).__name__}: training needs train_cfg with an assigner")
        targets = [self._targets_single(c, m, g) for c, m, g in zip(cls_scores, mask_preds, gts)]
        labels = torch.stack([tg[0] for tg in targets])
        mask_weights = torch.stack([tg[1] for tg in targets])
        mask_targets = torch.cat([tg[2] for tg in targets])
        avg_factor = sum(tg[3] for tg in targets)

        flat_scores = cls_scores.flatten(0, 1)
        flat_labels = labels.flatten()
        class_weight = flat_scores.new_tensor(self.class_weight)
        loss_cls = self.loss_cls(
            flat_scores,
            flat_labels,
            torch.ones_like(flat_labels, dtype=flat_scores.dtype),
            avg_factor=class_weight[flat_labels].sum(),
        )
        num_masks = max(float(_reduce_mean(flat_scores.new_tensor([avg_factor])).item()), 1.0)
        preds = mask_preds[mask_weights > 0]  # (P, T, h, w), query order as mask_targets
        if mask_targets.shape[0] == 0:
            zero = mask_preds.sum() * 0
            return loss_cls, zero, zero
        with torch.no_grad():
            coords = get_uncertain_point_coords_with_randomness(
                preds.flatten(0, 1).unsqueeze(1),
                None,
                self.num_points,
                self.oversample_ratio,
                self.importance_sample_ratio,
            )
            point_targets = point_sample(
                mask_targets.flatten(0, 1).unsqueeze(1).float(), coords
            ).squeeze(1)
        point_preds = point_sample(preds.flatten(0, 1).unsqueeze(1), coords).squeeze(1)
        loss_dice = self.loss_dice(point_preds, point_targets, avg_factor=num_masks)
        loss_mask = self.loss_mask(
            point_preds.reshape(-1),
            point_targets.reshape(-1),
            avg_factor=num_masks * self.num_points / mask_preds.shape[2],
        )
        return loss_cls, loss_mask, loss_dice

    def loss(self, x: Sequence[Tensor], data_samples: list) -> dict:
        """Deep-supervised matching losses of a batch of clips.

        Args:
            x: backbone features of the ``B * T`` frames, each ``(B*T, C, H, W)``.
            data_samples: ``B`` :class:`TrackDataSample` of ``T`` frames with
                ``gt_instances`` (``labels``, ``masks``, ``instances_id``).

        Returns:
            ``loss_cls``, ``loss_mask``, ``loss_dice`` of the last layer and
            ``d{i}.loss_*`` of the ``num_layers`` earlier predictions.
        """
        cls_preds, mask_preds = self(x, data_samples)
        gts = self.preprocess_gt(data_samples)
        losses = {}
        n = len(cls_preds)
        for i, (c, m) in enumerate(zip(cls_preds, mask_preds)):
            prefix = "" if i == n - 1 else f"d{i}."
            loss_cls, loss_mask, loss_dice = self._loss_single(c, m, gts)
            losses[prefix + "loss_cls"] = loss_cls
            losses[prefix + "loss_mask"] = loss_mask
            losses[prefix + "loss_dice"] = loss_dice
        return losses

    # -- test ---------------------------------------------------------------------------------
    def predict(self, x: Sequence[Tensor], frames: list, rescale: bool = True) -> list:
        """Top-k video instances of one clip, one :class:`InstanceData` per frame.

        Args:
            x: backbone features of the clip's ``T`` frames, each ``(T, C, H, W)``.
            frames: the ``T`` :class:`DetDataSample` (metainfo
                ``batch_input_shape``, ``img_shape``, ``ori_shape``).
            rescale: masks at the original resolution. Defaults to True.

        Returns:
            ``T`` :class:`InstanceData` with ``masks`` ``(k, H, W)`` bool,
            ``bboxes`` ``(k, 4)`` (x1y1x2y2 pixels around the masks),
            ``labels``, ``scores`` and ``instances_id`` (``query *
            num_classes + class``: the same pair has the same id in every
            frame, also when frames come one call at a time).
        """
        cls_preds, mask_preds = self(x, [frames])
        scores = F.softmax(cls_preds[-1][0], dim=-1)[:, :-1]  # (Q, num_classes)
        k = min(int(self.test_cfg.get("max_per_image", 10)), scores.numel())
        top_scores, top_idx = scores.flatten().topk(k, sorted=True)
        labels = top_idx % self.num_classes
        queries = top_idx // self.num_classes
        meta = frames[0].metainfo
        pad_h, pad_w = meta.get("batch_input_shape", meta["img_shape"])[:2]
        masks = F.interpolate(
            mask_preds[-1][0][queries],
            size=(int(pad_h), int(pad_w)),
            mode="bilinear",
            align_corners=False,
        )  # (k, T, H, W)
        results = []
        for j, frame in enumerate(frames):
            img_h, img_w = frame.metainfo["img_shape"][:2]
            m = masks[:, j : j + 1, : int(img_h), : int(img_w)]
            if rescale:
                ori_h, ori_w = frame.metainfo["ori_shape"][:2]
                m = F.interpolate(
                    m, size=(int(ori_h), int(ori_w)), mode="bilinear", align_corners=False
                )
            m = m[:, 0] > 0
            results.append(
                InstanceData(
                    masks=m,
                    bboxes=masks_to_boxes(m),
                    labels=labels.clone(),
                    scores=top_scores.clone(),
                    instances_id=top_idx.clone(),
                )
            )
        return results
