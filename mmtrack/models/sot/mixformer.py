"""MixFormer: end-to-end tracking with iterative mixed attention (Cui et al., CVPR 2022)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Optional, Union

import torch
from torch import Tensor, nn

from mmtrack.registry import MODELS
from mmtrack.structures import TrackDataSample

from .base import BaseSingleObjectTracker
from .stark import Stark, _xyxy_to_cxcywh, stark_crop

__all__ = ["MixFormer"]


@MODELS.register_module()
class MixFormer(Stark):
    """MixFormer-CvT single object tracker (MMTracking 0.14 ``MixFormer``).

    Network: :class:`~mmtrack.models.backbones.ConvVisionTransformer`
    extracts and mixes the template (128 px, factor 2), the online
    template and the search crop (320 px, factor 4.5 / 4.55) in one pass;
    :class:`~mmtrack.models.track_heads.MixFormerHead` predicts the box
    corners on the stride-16 search features and scores the box with its
    score decoder.

    Testing (as MMTracking 0.14): frame 0 crops the template and uses it as
    the online template too (``set_online``). Each later frame runs only the
    search tokens against the cached template keys / values, maps the
    corners back to the image and clips the box (``x1, y1`` in ``[0, W -
    10]``, sizes in ``[10, W]``). The best score so far is multiplied by
    ``max_score_decay``; a crop whose score's sigmoid exceeds 0.5 and the
    best score becomes the best online template. Every ``update_interval``
    frames the best online template replaces the online template
    (``online_size`` 1), is appended (fewer than ``online_size`` held) or
    replaces the oldest one, the templates are re-encoded, and the best
    score / template are reset to -1 / the first template.

    Training (not in MMTracking, which shipped inference only; as the
    MixFormer paper): ``train_cfg=dict(stage=1)`` learns the boxes with
    L1 (x5) + GIoU (x2) on pairs of 2 templates and 1 search crop;
    ``stage=2`` learns the score with binary cross-entropy on positive /
    negative search crops (the score decoder pools the gt box), the rest
    frozen (``frozen_modules=['backbone', 'head.bbox_head']``).

    Parameter names follow MMTracking 0.14 (``backbone.stage{i}.*``,
    ``head.bbox_head.*``, ``head.score_decoder_head.*``), so its MixFormer
    checkpoints load as they are.

    Args:
        backbone: backbone config (ConvVisionTransformer).
        head: :class:`MixFormerHead` config.
        init_cfg: initialisation config. Defaults to None.
        frozen_modules: sub-modules frozen (eval mode, no gradients), dotted
            names allowed (``'head.bbox_head'``). Defaults to None.
        train_cfg: ``stage`` (1: boxes, 2: score). Defaults to stage 1.
        test_cfg: ``template_factor`` (2.0), ``template_size`` (128),
            ``search_factor`` (4.5), ``search_size`` (320),
            ``update_interval`` (``[200]``), ``online_size`` (``[1]``),
            ``max_score_decay`` (``[1.0]``), ``clip_margin`` (10),
            ``test_mode`` (``'OPE'`` / ``'VOT'``).
        data_preprocessor: data preprocessor config. Defaults to None.
    """

    def __init__(
        self,
        backbone: dict,
        head: Optional[dict] = None,
        init_cfg: Optional[dict] = None,
        frozen_modules: Union[str, Sequence[str], None] = None,
        train_cfg: Optional[dict] = None,
        test_cfg: Optional[dict] = None,
        data_preprocessor: Optional[dict] = None,
    ) -> None:
        BaseSingleObjectTracker.__init__(
            self, data_preprocessor=data_preprocessor, init_cfg=init_cfg
        )
        if head is None:
            raise ValueError("MixFormer needs a head config (MixFormerHead)")
        self.backbone = MODELS.build(backbone)
        self.head = MODELS.build(head)
        cfg: dict[str, Any] = dict(
            template_factor=2.0,
            template_size=128,
            search_factor=4.5,
            search_size=320,
            update_interval=[200],
            online_size=[1],
            max_score_decay=[1.0],
            clip_margin=10,
            test_mode="OPE",
        )
        unknown = set(test_cfg or {}) - set(cfg)
        if unknown:
            raise KeyError(
                f"MixFormer test_cfg: unknown keys {sorted(unknown)} (known: {sorted(cfg)})"
            )
        cfg.update(test_cfg or {})
        for key in ("update_interval", "online_size", "max_score_decay"):
            if not isinstance(cfg[key], (list, tuple)):
                cfg[key] = [cfg[key]]
        self.update_interval = int(cfg["update_interval"][0])
        self.online_size = int(cfg["online_size"][0])
        self.max_score_decay = float(cfg["max_score_decay"][0])
        if self.update_interval <= 0 or self.online_size <= 0:
            raise ValueError(
                f"MixFormer test_cfg: update_interval {cfg['update_interval']} and online_size "
                f"{cfg['online_size']} must be positive"
            )
        self.test_cfg = cfg
        bbox_head = self.head.bbox_head
        if cfg["search_size"] != bbox_head.stride * bbox_head.feat_size:
            raise ValueError(
                f"MixFormer: test_cfg.search_size {cfg['search_size']} must equal the corner "
                f"head's feat_size x stride = {bbox_head.feat_size} x {bbox_head.stride}"
            )
        train = dict(stage=1)
        unknown = set(train_cfg or {}) - set(train)
        if unknown:
            raise KeyError(f"MixFormer train_cfg: unknown keys {sorted(unknown)} (known: stage)")
        train.update(train_cfg or {})
        if train["stage"] not in (1, 2):
            raise ValueError(f"MixFormer train_cfg.stage must be 1 or 2, got {train['stage']!r}")
        if train["stage"] == 2 and self.head.score_decoder_head is None:
            raise ValueError("MixFormer train_cfg.stage 2 trains the score: the head has none")
        self.train_cfg = train
        if isinstance(frozen_modules, str):
            frozen_modules = [frozen_modules]
        self.frozen_modules = list(frozen_modules or [])
        for name in self.frozen_modules:
            for param in self._submodule(name).parameters():
                param.requires_grad = False
        self.frame_id = 0
        self.memo: dict[str, Any] = {}

    def _submodule(self, name: str) -> nn.Module:
        try:
            return self.get_submodule(name)
        except AttributeError:
            raise ValueError(f"MixFormer frozen_modules: no sub-module named {name!r}") from None

    def train(self, mode: bool = True) -> MixFormer:
        """Train mode, the frozen modules kept in eval mode."""
        nn.Module.train(self, mode)
        for name in self.frozen_modules:
            self._submodule(name).eval()
        return self

    # ------------------------------------------------------------------ training
    def loss(self, inputs: dict, data_samples: list[TrackDataSample], **kwargs) -> dict:
        """Losses of a batch of ``TridentSampling`` samples.

        Args:
            inputs: ``img`` ``(N, 2, 3, H_z, W_z)`` template and online
                template crops, ``search_img`` ``(N, 1, 3, H_x, W_x)``
                search crops (normalised).
            data_samples: per sample a :class:`TrackDataSample` of 3 frames
                (templates, then the search frame); the search frame holds
                ``gt_instances.bboxes`` ``(1, 4)`` x1y1x2y2 search-crop pixels
                and ``gt_instances.labels`` ``(1,)`` (1 positive, 0 negative).

        Returns:
            Stage 1: ``loss_bbox`` and ``loss_iou``; stage 2: ``loss_cls``.
        """
        templates, search = inputs["img"], inputs["search_img"]
        if templates.dim() != 5 or templates.shape[1] != 2 or search.dim() != 5:
            raise ValueError(
                f"MixFormer.loss: img must be (N, 2, C, H, W) (template, online template) and "
                f"search_img (N, 1, C, H, W); got {tuple(templates.shape)} and "
                f"{tuple(search.shape)} (TridentSampling num_template_frames=2)"
            )
        frames = [s[templates.shape[1]] for s in data_samples]
        gt_bboxes = torch.stack([f.gt_instances.bboxes[0] for f in frames]).to(search)
        template, search_feat = self.backbone(templates[:, 0], templates[:, 1], search[:, 0])
        if self.train_cfg["stage"] == 1:
            results = self.head(template, search_feat, run_score_head=False)
            return self.head.loss(results, gt_bboxes, img_size=search.shape[-2:])
        labels = torch.stack(
            [torch.as_tensor(f.gt_instances.labels).reshape(-1)[0] for f in frames]
        ).to(search.device)
        results = self.head(template, search_feat, run_score_head=True, gt_bboxes=gt_bboxes)
        return self.head.loss(results, gt_bboxes, labels)

    # ------------------------------------------------------------------ tracking
    def _crop_template(self, img: Tensor, bbox_cxcywh: Tensor) -> Tensor:
        """``(1, C, S_z, S_z)`` template crop around a cxcywh box (input pixels)."""
        cfg = self.test_cfg
        pad = self._pad_value(img.shape[0], img.device)
        patch, _, _ = stark_crop(
            img, bbox_cxcywh.tolist(), cfg["template_factor"], cfg["template_size"], pad
        )
        return patch

    def set_online(self, template: Tensor, online_template: Tensor) -> None:
        """Encode the templates and cache their keys / values in the backbone."""
        with torch.no_grad():
            self.backbone.set_online(template, online_template)

    def init(self, img: Tensor, bbox: Tensor) -> None:
        """The first template, also the online template.

        Args:
            img: ``(C, H, W)`` normalised image.
            bbox: ``(4,)`` x1y1x2y2 input pixels.
        """
        box = _xyxy_to_cxcywh(bbox.float().to(img.device))
        z = self._crop_template(img, box)
        self.set_online(z, z)
        self.memo = dict(
            bbox=box,
            template=z,
            online_template=z,
            best_online_template=z,
            best_conf_score=-1.0,
            online_forget_id=0,
        )

    def update_template(self, img: Tensor, bbox_cxcywh: Tensor, conf_score: float) -> bool:
        """Keep the best-scored crop; every ``update_interval`` frames make it an online template.

        Args:
            img: ``(C, H, W)`` normalised image.
            bbox_cxcywh: ``(4,)`` the new box, input pixels.
            conf_score: the score's sigmoid.

        Returns:
            True when the online templates were renewed at this frame.
        """
        memo = self.memo
        if conf_score > 0.5 and conf_score > memo["best_conf_score"]:
            memo["best_online_template"] = self._crop_template(img, bbox_cxcywh)
            memo["best_conf_score"] = conf_score
        if self.frame_id % self.update_interval != 0:
            return False
        best, online = memo["best_online_template"], memo["online_template"]
        if self.online_size == 1:
            online = best
        elif online.shape[0] < self.online_size:
            online = torch.cat([online, best])
        else:
            online = online.clone()
            i = memo["online_forget_id"]
            online[i : i + 1] = best
            memo["online_forget_id"] = (i + 1) % self.online_size
        memo["online_template"] = online
        self.set_online(memo["template"], online)
        memo["best_conf_score"] = -1.0
        memo["best_online_template"] = memo["template"]
        return True

    def track(self, img: Tensor) -> tuple[Tensor, float]:
        """Track the target in one frame.

        Args:
            img: ``(C, H, W)`` normalised image.

        Returns:
            ``(bbox (4,) x1y1x2y2 input pixels, score)``: the score's
            sigmoid, or -1 without a score decoder.
        """
        if "template" not in self.memo:
            raise RuntimeError("MixFormer.track called before init (frame 0)")
        cfg = self.test_cfg
        img_h, img_w = img.shape[1:]
        pad = self._pad_value(img.shape[0], img.device)
        patch, resize_factor, _ = stark_crop(
            img, self.memo["bbox"].tolist(), cfg["search_factor"], cfg["search_size"], pad
        )
        with torch.no_grad():
            template, search = self.backbone.forward_test(patch)
            results = self.head(template, search)
        box = self.mapping_bbox_back(results["pred_bboxes"], self.memo["bbox"], resize_factor)
        box = self.bbox_clip(box, img_h, img_w, cfg["clip_margin"])
        self.memo["best_conf_score"] *= self.max_score_decay
        score = -1.0
        new_cxcywh = _xyxy_to_cxcywh(box)
        if "pred_scores" in results:
            score = float(results["pred_scores"].reshape(-1).sigmoid()[0])
            self.update_template(img, new_cxcywh, score)
        self.memo["bbox"] = new_cxcywh
        return box, score
