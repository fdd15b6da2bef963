"""PrDiMP's classification head (MMTracking 1.x ``PrDiMPClsHead``).

Offline (``loss``): a filter is learned from the template images by the
:class:`~mmtrack.models.filter.FilterInitializer` and
:class:`~mmtrack.models.filter.PrDiMPFilterOptimizer`, applied to the search
images, and every iterate is scored with the KL grid loss against a Gaussian
label density. Online: ``init_classifier`` learns the filter on the augmented
first frame and fills the sample memory; ``predict_by_feat`` locates the
target on the score map and says whether the frame is ``'normal'``,
``'uncertain'``, ``'hard_negative'`` or ``'not_found'``;
``update_classifier`` stores new samples and re-optimises the filter every
``train_skipping`` frames (at once on hard negatives).

State-dict keys: ``channel_mapping.0.weight``,
``filter_initializer.filter_conv.{weight,bias}``,
``filter_optimizer.{log_step_length,filter_regular}``.
"""

from __future__ import annotations

import math
from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor, nn

from mmtrack.models.filter import apply_filter
from mmtrack.registry import MODELS
from mmtrack.structures.bbox.transforms import bbox_cxcywh_to_xyxy, bbox_xyxy_to_cxcywh


def _channel_dropout(
    feats: Tensor, p: float, generator: Optional[torch.Generator] = None
) -> Tensor:
    """``F.dropout2d(feats, p, training=True)`` with the mask drawn from ``generator``.

    Args:
        feats: ``(N, C, H, W)`` features.
        p: probability that a channel of a sample is zeroed.
        generator: CPU generator of the mask; None: ``F.dropout2d`` itself.

    Returns:
        ``(N, C, H, W)``: each kept channel scaled by ``1 / (1 - p)``.
    """
    if generator is None:
        return F.dropout2d(feats, p=p, training=True)
    if not 0.0 <= p < 1.0:
        raise ValueError(f"PrDiMPClsHead: dropout probability must be in [0, 1), got {p}")
    keep = torch.rand(feats.shape[:2], generator=generator) >= p
    return feats * (keep.to(feats) / (1.0 - p))[..., None, None]


def max_last2d(scores: Tensor) -> tuple[Tensor, Tensor]:
    """Maximum of a ``(H, W)`` map and its ``(row, column)`` position."""
    flat = int(scores.argmax())
    w = scores.shape[-1]
    return scores.reshape(-1)[flat], torch.tensor([flat // w, flat % w], device=scores.device)


@MODELS.register_module()
class PrDiMPClsHead(BaseModule):
    """PrDiMP classification head.

    Args:
        in_dim: Backbone feature channels (ResNet-50 ``layer3``: 1024).
        out_dim: Classification feature channels. Defaults to 512.
        filter_initializer: ``FilterInitializer`` config.
        filter_optimizer: ``PrDiMPFilterOptimizer`` config.
        locate_cfg: ``no_target_min_score``, ``distractor_thres``,
            ``hard_neg_thres``, ``target_neighborhood_scale``,
            ``dispalcement_scale`` (MMTracking's spelling).
        update_cfg: ``sample_memory_size``, ``normal_lr``, ``hard_neg_lr``,
            ``init_samples_min_weight``, ``train_skipping``.
        optimizer_cfg: ``init_update_iters``, ``update_iters``, ``hard_neg_iters``.
        loss_cls: loss config (``KLGridLoss``).
        train_cfg: ``feat_size``, ``img_size``, ``sigma_factor``,
            ``end_pad_if_even``, ``gauss_label_bias``, ``use_gauss_density``,
            ``label_density_norm``, ``label_density_threshold``,
            ``label_density_shrink``, ``loss_weights`` (``cls_init``,
            ``cls_iter``, ``cls_final``).
        test_cfg: the model's test config (``img_sample_size``).
    """

    def __init__(
        self,
        in_dim: int = 1024,
        out_dim: int = 512,
        filter_initializer: Optional[dict] = None,
        filter_optimizer: Optional[dict] = None,
        locate_cfg: Optional[dict] = None,
        update_cfg: Optional[dict] = None,
        optimizer_cfg: Optional[dict] = None,
        loss_cls: Optional[dict] = None,
        train_cfg: Optional[dict] = None,
        test_cfg: Optional[dict] = None,
        init_cfg: Optional[dict] = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        for name, cfg in (
            ("filter_initializer", filter_initializer),
            ("filter_optimizer", filter_optimizer),
            ("train_cfg", train_cfg),
        ):
            if cfg is None:
                raise ValueError(f"PrDiMPClsHead: {name} is required")
        filter_size = int(filter_initializer["filter_size"])
        self.filter_initializer = MODELS.build(filter_initializer)
        self.filter_optimizer = MODELS.build(filter_optimizer)
        self.feat_norm_scale = math.sqrt(1.0 / (out_dim * filter_size * filter_size))
        self.channel_mapping = nn.Sequential(
            nn.Conv2d(in_dim, out_dim, kernel_size=3, padding=1, bias=False)
        )
        self.loss_cls = MODELS.build(loss_cls or dict(type="KLGridLoss"))
        self.locate_cfg = dict(locate_cfg or {})
        self.update_cfg = dict(update_cfg or {})
        self.optimizer_cfg = dict(optimizer_cfg or {})
        self.train_cfg = dict(train_cfg)
        self.test_cfg = dict(test_cfg or {})
        self.filter_size = filter_size
        self.feat_size = tuple(float(v) for v in train_cfg["feat_size"])
        self.img_size = tuple(float(v) for v in train_cfg["img_size"])

    def init_weights(self) -> None:
        """He-normal channel mapping (fan-out), zero filter-initializer conv."""
        conv = self.channel_mapping[0]
        n = conv.kernel_size[0] * conv.kernel_size[1] * conv.out_channels
        nn.init.normal_(conv.weight, 0.0, math.sqrt(2.0 / n))
        self.filter_initializer.init_weights()

    # ------------------------------------------------------------------ features
    def get_cls_feats(self, backbone_feats: Tensor) -> Tensor:
        """Classification features, each map scaled to ``|x|^2 = C H W * s^2``.

        Args:
            backbone_feats: ``(N, in_dim, H, W)``.

        Returns:
            ``(N, out_dim, H, W)``, ``s = sqrt(1 / (out_dim * f * f))``.
        """
        feats = self.channel_mapping(backbone_feats)
        numel = float(feats.shape[1] * feats.shape[2] * feats.shape[3])
        energy = (feats**2).reshape(feats.shape[0], -1).sum(dim=1).view(-1, 1, 1, 1)
        return feats * self.feat_norm_scale * torch.sqrt(numel / (energy + 1e-5))

    # ------------------------------------------------------------------- training
    def get_targets(self, target_center: Tensor) -> Tensor:
        """Gaussian label densities of the search images.

        Args:
            target_center: ``(N, 2)`` target centres x, y in crop pixels.

        Returns:
            ``(N, H_s, W_s)`` densities on the score grid (``feat_size`` plus
            one row / column for an even filter when ``end_pad_if_even``).
        """
        cfg = self.train_cfg
        img_size = target_center.new_tensor(self.img_size)
        feat_size = target_center.new_tensor(self.feat_size)
        odd_shift = 0.5 * ((self.filter_size + 1) % 2)
        center = feat_size * (target_center - img_size / 2.0) / img_size + odd_shift
        sigma = cfg["sigma_factor"] * math.sqrt(self.feat_size[0] * self.feat_size[1])
        end_pad = 1 if (cfg.get("end_pad_if_even", True) and self.filter_size % 2 == 0) else 0
        dens = []
        for axis in (1, 0):  # rows from y, columns from x
            size = self.feat_size[axis]
            k = torch.arange(-(size - 1) / 2, (size + 1) / 2 + end_pad, device=center.device)
            g = torch.exp(-((k[None] - center[:, axis, None]) ** 2) / (2 * sigma**2))
            if cfg.get("use_gauss_density", True):
                g = g / (math.sqrt(2 * math.pi) * sigma)
            dens.append(g)
        density = dens[0][:, :, None] * dens[1][:, None, :]
        area = (self.feat_size[0] + end_pad) * (self.feat_size[1] + end_pad)
        bias = cfg.get("gauss_label_bias", 0.0)
        density = (1.0 - bias) * density + bias / area
        density = density * (density > cfg.get("label_density_threshold", 0.0)).to(density)
        if cfg.get("label_density_norm", True):
            total = density.sum(dim=(-2, -1), keepdim=True)
            uniform = torch.full_like(density, 1.0 / (density.shape[-2] * density.shape[-1]))
            density = torch.where(total > 0.01, density / total.clamp(min=1e-12), uniform)
        return density * (1.0 - cfg.get("label_density_shrink", 0.0))

    def loss(
        self,
        template_feats: Tensor,
        search_feats: Tensor,
        template_bboxes: Tensor,
        search_bboxes: Tensor,
    ) -> dict[str, Tensor]:
        """Classification losses of a batch.

        Args:
            template_feats: ``(T_z * N, in_dim, H, W)`` backbone features of the
                template images, frame-major (the first ``N`` are frame 0 of
                every sequence).
            search_feats: ``(T_x * N, in_dim, H, W)``, likewise.
            template_bboxes: ``(T_z, N, 4)`` x1y1x2y2 crop pixels.
            search_bboxes: ``(T_x, N, 4)`` x1y1x2y2 crop pixels.

        Returns:
            ``loss_cls_init``, ``loss_cls_iter``, ``loss_cls_final`` (weighted).
        """
        t_z, t_x = template_bboxes.shape[0], search_bboxes.shape[0]
        z = self.get_cls_feats(template_feats)
        z = z.reshape(t_z, -1, *z.shape[-3:])
        x = self.get_cls_feats(search_feats)
        x = x.reshape(t_x, -1, *x.shape[-3:])
        init_filter = self.filter_initializer(z, template_bboxes)
        _, iterates, _ = self.filter_optimizer(
            init_filter, feat=z, bboxes=bbox_xyxy_to_cxcywh(template_bboxes)
        )
        centers = (search_bboxes[..., :2] + search_bboxes[..., 2:]) / 2
        labels = self.get_targets(centers.reshape(-1, 2))
        labels = labels.reshape(t_x, -1, *labels.shape[-2:])
        losses = [self.loss_cls(apply_filter(x, w), labels, grid_dim=(-2, -1)) for w in iterates]
        weights = self.train_cfg["loss_weights"]
        loss_iter = losses[0].new_zeros(())
        if isinstance(weights["cls_iter"], (list, tuple)):
            for w, v in zip(weights["cls_iter"], losses[1:-1]):
                loss_iter = loss_iter + w * v
        elif len(losses) > 2:
            loss_iter = loss_iter + weights["cls_iter"] / (len(losses) - 2) * sum(losses[1:-1])
        return dict(
            loss_cls_init=weights["cls_init"] * losses[0],
            loss_cls_iter=loss_iter,
            loss_cls_final=weights["cls_final"] * losses[-1],
        )

    # --------------------------------------------------------------------- online
    def init_classifier(
        self,
        backbone_feats: Tensor,
        target_bboxes: Tensor,
        dropout_probs: Optional[Sequence[float]] = None,
        generator: Optional[torch.Generator] = None,
    ) -> None:
        """Learn the filter on the (augmented) first frame and fill the memory.

        Args:
            backbone_feats: ``(N_aug, in_dim, H, W)``; the first is the
                un-augmented crop.
            target_bboxes: ``(N_aug + len(dropout_probs), 4)`` cx, cy, w, h
                crop pixels (the dropout copies repeat the first box).
            dropout_probs: channel-dropout probabilities of extra copies of
                the first crop's features.
            generator: CPU generator of the dropout masks; None: torch's
                global generator (``F.dropout2d``).
        """
        feats = self.get_cls_feats(backbone_feats)
        if dropout_probs:
            feats = torch.cat(
                [feats] + [_channel_dropout(feats[:1], p, generator) for p in dropout_probs]
            )
        if target_bboxes.shape[0] != feats.shape[0]:
            raise ValueError(
                f"PrDiMPClsHead.init_classifier: {target_bboxes.shape[0]} boxes for "
                f"{feats.shape[0]} (augmented) samples"
            )
        init_filter = self.filter_initializer(feats, bbox_cxcywh_to_xyxy(target_bboxes))
        self.target_filter, _, _ = self.filter_optimizer(
            init_filter,
            feat=feats,
            bboxes=target_bboxes,
            num_iters=self.optimizer_cfg.get("init_update_iters", 10),
        )
        self.init_memory(feats, target_bboxes)

    def init_memory(self, feats: Tensor, target_bboxes: Tensor) -> None:
        """Memory of ``sample_memory_size`` samples, the first ones from frame 0.

        Args:
            feats: ``(N_init, C, H, W)`` classification features.
            target_bboxes: ``(N_init, 4)`` cx, cy, w, h crop pixels.
        """
        size = int(self.update_cfg.get("sample_memory_size", 50))
        n = feats.shape[0]
        if n > size:
            raise ValueError(f"PrDiMPClsHead: {n} initial samples exceed sample_memory_size={size}")
        self.num_init_samples = n
        self.num_samples = n
        self.replace_ind: Optional[int] = None
        self.memory_bboxes = target_bboxes.new_zeros(size, 4)
        self.memory_bboxes[:n] = target_bboxes
        self.sample_weights = feats.new_zeros(size)
        self.sample_weights[:n] = 1.0 / n
        self.training_samples = feats.new_zeros(size, *feats.shape[1:])
        self.training_samples[:n] = feats
        self.sample_feat: Optional[Tensor] = None

    def update_sample_weights(self, learning_rate: float) -> int:
        """Decay the weights, give the new sample ``learning_rate``; the slot to fill.

        MMTracking 1.x's ``update_sample_weights``: the next free slot while
        the memory is not full, else the lightest non-initial sample; the
        initial samples keep at least ``init_samples_min_weight`` in total.
        """
        init_min = self.update_cfg.get("init_samples_min_weight", 0.0) or None
        start = 0 if init_min is None else self.num_init_samples
        weights = self.sample_weights
        if self.num_samples == 0 or learning_rate == 1:
            weights[:] = 0
            weights[0] = 1
            replace_ind = 0
        else:
            if self.num_samples < weights.shape[0]:
                replace_ind = self.num_samples
            else:
                replace_ind = int(torch.argmin(weights[start:])) + start
            if self.replace_ind is None:
                weights /= 1 - learning_rate
                weights[replace_ind] = learning_rate
            else:
                weights[replace_ind] = weights[self.replace_ind] / (1 - learning_rate)
        weights /= weights.sum()
        if init_min is not None and weights[: self.num_init_samples].sum() < init_min:
            weights /= init_min + weights[self.num_init_samples :].sum()
            weights[: self.num_init_samples] = init_min / self.num_init_samples
        return replace_ind

    def update_memory(self, target_bbox: Tensor, learning_rate: float) -> None:
        """Store the last frame's features (``self.sample_feat``) with ``target_bbox``."""
        if self.sample_feat is None:
            raise RuntimeError("PrDiMPClsHead.update_memory before any predict")
        ind = self.update_sample_weights(learning_rate)
        self.replace_ind = ind
        self.training_samples[ind : ind + 1] = self.sample_feat
        self.memory_bboxes[ind] = target_bbox.reshape(4)
        self.num_samples += 1

    def update_classifier(self, target_bbox: Tensor, frame_num: int, hard_neg: bool = False) -> int:
        """Update memory / filter after a frame (MMTracking 1.x's schedule).

        Hard negatives are stored (``hard_neg_lr``) and trigger
        ``hard_neg_iters`` steps at once; otherwise ``update_iters`` steps run
        when ``(frame_num - 1) % train_skipping == 0``. As in MMTracking 1.x,
        normal frames do not enter the memory.

        Args:
            target_bbox: ``(4,)`` cx, cy, w, h crop pixels of the frame.
            frame_num: 1-based frame number.
            hard_neg: the frame was a hard negative.

        Returns:
            The number of optimiser steps run.
        """
        if hard_neg:
            self.update_memory(target_bbox, self.update_cfg.get("hard_neg_lr", 0.02))
            num_iters = int(self.optimizer_cfg.get("hard_neg_iters", 1))
        elif (frame_num - 1) % int(self.update_cfg.get("train_skipping", 20)) == 0:
            num_iters = int(self.optimizer_cfg.get("update_iters", 2))
        else:
            num_iters = 0
        if num_iters > 0:
            n = min(self.num_samples, self.sample_weights.shape[0])
            self.target_filter, _, _ = self.filter_optimizer(
                self.target_filter,
                feat=self.training_samples[:n],
                bboxes=self.memory_bboxes[:n].clone(),
                num_iters=num_iters,
                sample_weights=self.sample_weights[:n],
            )
        return num_iters

    def forward(self, backbone_feats: Tensor) -> tuple[Tensor, Tensor]:
        """Scores of the current filter: ``((N, 1, H_s, W_s), features)``."""
        feats = self.get_cls_feats(backbone_feats)
        return apply_filter(feats, self.target_filter), feats

    def predict(
        self, backbone_feat: Tensor, prev_bbox: Tensor, sample_center: Tensor, scale_factor: float
    ) -> tuple[Tensor, Tensor, str]:
        """Locate the target in a search crop.

        Args:
            backbone_feat: ``(1, in_dim, H, W)`` backbone features of the crop.
            prev_bbox: ``(4,)`` previous box cx, cy, w, h image pixels.
            sample_center: ``(2,)`` crop centre x, y image pixels.
            scale_factor: image pixels per crop pixel.

        Returns:
            ``(centre (2,) x, y image pixels, softmax score map (1, 1, H_s, W_s), state)``.
        """
        scores_raw, self.sample_feat = self(backbone_feat)
        score_map = torch.softmax(scores_raw.reshape(-1), dim=0).view(scores_raw.shape)
        center, state = self.predict_by_feat(score_map, prev_bbox, sample_center, scale_factor)
        return center, score_map, state

    def predict_by_feat(
        self, scores: Tensor, prev_bbox: Tensor, sample_center: Tensor, scale_factor: float
    ) -> tuple[Tensor, str]:
        """Target centre from a score map and the tracking state (MMTracking 1.x).

        1. ``not_found``: the peak is below ``no_target_min_score``.
        2. The neighbourhood (``target_neighborhood_scale`` x the previous box
           size) of the peak is masked; the second peak is a distractor when it
           is above ``distractor_thres`` x the peak: the state is
           ``hard_negative`` (the peak, or the distractor when only the
           distractor is near the previous position) or ``uncertain``.
        3. ``hard_negative`` when the second peak is above ``hard_neg_thres`` x
           the peak; else ``normal``.

        Args:
            scores: ``(H_s, W_s)`` (any leading ones) probabilities.
            prev_bbox: ``(4,)`` cx, cy, w, h image pixels.
            sample_center: ``(2,)`` x, y image pixels.
            scale_factor: image pixels per crop pixel.

        Returns:
            ``(centre (2,) x, y image pixels, state)``.
        """
        cfg = self.locate_cfg
        scores = scores.reshape(scores.shape[-2:])
        prev_bbox = prev_bbox.reshape(4)
        sample_center = sample_center.reshape(2).to(scores)
        score_size = scores.new_tensor([scores.shape[-1], scores.shape[-2]])  # (w, h)
        output_size = score_size - (self.filter_size + 1) % 2
        score_center = score_size / 2
        max_score, max_pos = max_last2d(scores)
        max_pos = max_pos.flip(0).to(scores)  # x, y
        target_disp_map = max_pos - score_center
        ratio = (float(self.test_cfg["img_sample_size"]) / output_size) * float(scale_factor)
        target = target_disp_map * ratio + sample_center
        if float(max_score) < cfg["no_target_min_score"]:
            return target, "not_found"

        neigh = cfg["target_neighborhood_scale"] * (prev_bbox[2:4] / ratio)
        tl = (max_pos - neigh / 2).round().long().clamp(min=0).tolist()
        br = (max_pos + neigh / 2).round().long().clamp(max=int(score_size.min())).tolist()
        masked = scores.clone()
        masked[tl[1] : br[1], tl[0] : br[0]] = 0
        second_score, second_pos = max_last2d(masked)
        distractor_disp_map = second_pos.flip(0).to(scores) - score_center
        distractor = distractor_disp_map * ratio + sample_center
        prev_disp_map = (prev_bbox[:2] - sample_center) / ratio

        if float(second_score) > cfg["distractor_thres"] * float(max_score):
            target_diff = torch.linalg.norm(target_disp_map - prev_disp_map)
            distractor_diff = torch.linalg.norm(distractor_disp_map - prev_disp_map)
            thres = cfg["dispalcement_scale"] * math.sqrt(float(score_size.prod())) / 2
            if distractor_diff > thres and target_diff < thres:
                return target, "hard_negative"
            if distractor_diff < thres and target_diff > thres:
                return distractor, "hard_negative"
            return target, "uncertain"
        if (
            float(second_score) > cfg["hard_neg_thres"] * float(max_score)
            and float(second_score) > cfg["no_target_min_score"]
        ):
            return target, "hard_negative"
        return target, "normal"
