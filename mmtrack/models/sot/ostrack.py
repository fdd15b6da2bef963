"""OSTrack: one-stream tracking with a ViT and candidate elimination (Ye et al., ECCV 2022)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Optional

import torch
import torch.nn.functional as F
from torch import Tensor

from mmtrack.registry import MODELS
from mmtrack.structures import TrackDataSample

from ..track_heads.center_head import hann2d
from .base import BaseSingleObjectTracker


def sample_target(
    img: Tensor,
    box_xywh: Sequence[float],
    factor: float,
    output_size: int,
    pad_value: Optional[Tensor] = None,
) -> tuple[Tensor, float]:
    """Square crop around a box, resized (OSTrack's ``sample_target``, on a tensor).

    The crop side is ``s = ceil(sqrt(w h) * factor)``, its corner
    ``round(c - s / 2)`` (Python rounding); outside the image it takes
    ``pad_value``. As in OSTrack, once the crop reaches past the last image
    column (row), that column (row) is padded too.

    Args:
        img: ``(C, H, W)`` image (normalised).
        box_xywh: ``(x1, y1, w, h)`` in image pixels.
        factor: Crop side over ``sqrt(w h)``.
        output_size: Output side.
        pad_value: ``(C,)`` fill value (the normalised black). Defaults to 0.

    Returns:
        ``(crop (1, C, output_size, output_size), output_size / s)``.

    Raises:
        ValueError: The box is too small for a one-pixel crop.
    """
    x, y, w, h = (float(v) for v in box_xywh)
    side = math.ceil(math.sqrt(max(w, 0.0) * max(h, 0.0)) * factor)
    if side < 1:
        raise ValueError(f"sample_target: box {list(box_xywh)} (x, y, w, h) is too small to crop")
    x1, y1 = round(x + 0.5 * w - side * 0.5), round(y + 0.5 * h - side * 0.5)
    x2, y2 = x1 + side, y1 + side
    c, img_h, img_w = img.shape
    canvas = img.new_zeros(c, side, side)
    if pad_value is not None:
        canvas += pad_value.view(c, 1, 1).to(img)
    xs, xe = max(x1, 0), min(x2, img_w - 1)
    ys, ye = max(y1, 0), min(y2, img_h - 1)
    if xe > xs and ye > ys:
        canvas[:, ys - y1 : ye - y1, xs - x1 : xe - x1] = img[:, ys:ye, xs:xe]
    crop = F.interpolate(
        canvas[None], size=(output_size, output_size), mode="bilinear", align_corners=False
    )
    return crop, output_size / side


def clip_box(box_xywh: Sequence[float], img_h: int, img_w: int, margin: int = 0) -> list[float]:
    """Clip an ``(x1, y1, w, h)`` box into the image keeping ``margin`` px (OSTrack's)."""
    x1, y1, w, h = box_xywh
    x2, y2 = x1 + w, y1 + h
    x1 = min(max(0, x1), img_w - margin)
    x2 = min(max(margin, x2), img_w)
    y1 = min(max(0, y1), img_h - margin)
    y2 = min(max(margin, y2), img_h)
    return [x1, y1, max(margin, x2 - x1), max(margin, y2 - y1)]


@MODELS.register_module()
class OSTrack(BaseSingleObjectTracker):
    """OSTrack single object tracker.

    Training: a template crop (factor 2) and a jittered search crop (factor 4
    or 5) go through :class:`~mmtrack.models.backbones.VisionTransformerCE`
    as one token sequence; the search tokens, back on their ``F x F`` grid, go
    to :class:`~mmtrack.models.track_heads.CenterHead`, trained with the
    focal, GIoU and L1 losses. The keep rate of the CE blocks follows
    ``ce_keep_rate`` (set per epoch by ``CEKeepRateHook``).

    Testing: frame 0 crops the template (``template_factor``,
    ``template_size``) once; every later frame crops the search region around
    the last box (``search_factor``, ``search_size``), multiplies the score
    map by a centred Hann window, decodes the best cell's box, maps it back to
    the image and clips it with a ``clip_margin`` px margin.

    Parameter names follow the OSTrack repository (``backbone.*``,
    ``box_head.*``); ``tools/model_converters/ostrack_to_mmtrack.py`` turns
    its ``.pth.tar`` files into checkpoints of this model.

    Args:
        backbone: :class:`VisionTransformerCE` config.
        box_head: :class:`CenterHead` config.
        test_cfg: ``template_factor`` (2.0), ``template_size`` (128),
            ``search_factor`` (4.0), ``search_size`` (256), ``window``
            (True: Hann window), ``clip_margin`` (10), ``test_mode`` (``'OPE'``
            or ``'VOT'``, see :class:`BaseSingleObjectTracker`).
        data_preprocessor: Data preprocessor config. Defaults to None.
        init_cfg: Initialisation config. Defaults to None.
    """

    def __init__(
        self,
        backbone: dict,
        box_head: dict,
        test_cfg: Optional[dict] = None,
        data_preprocessor: Optional[dict] = None,
        init_cfg: Optional[dict] = None,
    ) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        self.box_head = MODELS.build(box_head)
        cfg = dict(
            template_factor=2.0,
            template_size=128,
            search_factor=4.0,
            search_size=256,
            window=True,
            clip_margin=10,
            test_mode="OPE",
        )
        unknown = set(test_cfg or {}) - set(cfg)
        if unknown:
            raise KeyError(
                f"OSTrack test_cfg: unknown keys {sorted(unknown)} (known: {sorted(cfg)})"
            )
        cfg.update(test_cfg or {})
        self.test_cfg = cfg
        feat = self.backbone.search_feat_size
        if self.box_head.feat_size != feat:
            raise ValueError(
                f"OSTrack: box_head.feat_size {self.box_head.feat_size} must equal the backbone's "
                f"search grid {feat} (search_size / patch_size)"
            )
        if (cfg["template_size"], cfg["search_size"]) != (
            self.backbone.template_size,
            self.backbone.search_size,
        ):
            raise ValueError(
                f"OSTrack: test_cfg template/search sizes {cfg['template_size']}/"
                f"{cfg['search_size']} differ from the backbone's "
                f"{self.backbone.template_size}/{self.backbone.search_size}"
            )
        self.ce_keep_rate: Optional[float] = None
        self.register_buffer("hann_window", hann2d(feat), persistent=False)
        self.memo: dict[str, Any] = {}

    # ----------------------------------------------------------------- network
    def forward_network(
        self, template: Tensor, search: Tensor, keep_rate: Optional[float] = None
    ) -> tuple[Tensor, Tensor, Tensor]:
        """Backbone and head on normalised crops.

        Args:
            template: ``(B, 3, H_z, W_z)``.
            search: ``(B, 3, H_x, W_x)``.
            keep_rate: CE keep rate (None: the backbone's ratios).

        Returns:
            ``score (B, 1, F, F)``, ``size (B, 2, F, F)``, ``offset (B, 2, F, F)``.
        """
        tokens, _ = self.backbone(template, search, ce_keep_rate=keep_rate)
        f = self.backbone.search_feat_size
        feat = tokens[:, -f * f :].transpose(1, 2).reshape(tokens.shape[0], -1, f, f)
        return self.box_head(feat)

    def loss(self, inputs: dict, data_samples: list[TrackDataSample], **kwargs) -> dict:
        """Losses of a batch of template/search pairs.

        Args:
            inputs: ``img`` ``(N, 1, 3, H_z, W_z)`` templates and ``search_img``
                ``(N, 1, 3, H_x, W_x)`` search crops (normalised).
            data_samples: per pair a :class:`TrackDataSample` of two frames;
                frame 1 (the search frame) holds ``gt_instances.bboxes``
                ``(1, 4)`` x1y1x2y2 in search-crop pixels.

        Returns:
            ``loss_cls``, ``loss_bbox``, ``loss_l1`` and the ``iou`` statistic.
        """
        template = inputs["img"][:, 0]
        search = inputs["search_img"][:, 0]
        gt = torch.stack([s[1].gt_instances.bboxes[0] for s in data_samples]).to(search)
        gt = gt / search.shape[-1]
        score, size, offset = self.forward_network(template, search, self.ce_keep_rate)
        return self.box_head.loss(score, size, offset, gt)

    # -------------------------------------------------------------- tracking
    def _pad_value(self, channels: int, device: torch.device) -> Optional[Tensor]:
        """The normalised black, the fill OSTrack's crops get (0 without normalisation)."""
        pre = self.data_preprocessor
        mean, std = getattr(pre, "mean", None), getattr(pre, "std", None)
        if mean is None or std is None or not getattr(pre, "_enable_normalize", True):
            return None
        return (-mean.reshape(-1) / std.reshape(-1)).to(device)[:channels]

    def init(self, img: Tensor, bbox: Tensor) -> None:
        """Store the template crop of frame 0.

        Args:
            img: ``(C, H, W)`` normalised image.
            bbox: ``(4,)`` initial x1y1x2y2 box in input pixels.
        """
        cfg = self.test_cfg
        x1, y1, x2, y2 = (float(v) for v in bbox)
        state = [x1, y1, x2 - x1, y2 - y1]
        pad = self._pad_value(img.shape[0], img.device)
        template, _ = sample_target(img, state, cfg["template_factor"], cfg["template_size"], pad)
        self.memo = dict(template=template, state=state)

    def track(self, img: Tensor) -> tuple[Tensor, float]:
        """Track the target in one frame.

        Args:
            img: ``(C, H, W)`` normalised image.

        Returns:
            ``(bbox (4,) x1y1x2y2 input pixels, score)``; the score is the
            maximum of the (Hann-weighted) score map.
        """
        if "template" not in self.memo:
            raise RuntimeError("OSTrack.track called before init (frame 0)")
        cfg = self.test_cfg
        state = self.memo["state"]
        pad = self._pad_value(img.shape[0], img.device)
        search, resize_factor = sample_target(
            img, state, cfg["search_factor"], cfg["search_size"], pad
        )
        score, size, offset = self.forward_network(self.memo["template"], search)
        if cfg["window"]:
            score = score * self.hann_window
        box, best = self.box_head.decode(score, size, offset)
        # normalised cx, cy, w, h in the crop -> image pixels around the last centre
        cx, cy, w, h = (box[0] * cfg["search_size"] / resize_factor).tolist()
        half = 0.5 * cfg["search_size"] / resize_factor
        cx += state[0] + 0.5 * state[2] - half
        cy += state[1] + 0.5 * state[3] - half
        x1, y1, w, h = clip_box(
            [cx - 0.5 * w, cy - 0.5 * h, w, h], img.shape[1], img.shape[2], cfg["clip_margin"]
        )
        self.memo["state"] = [x1, y1, w, h]
        bbox = torch.tensor([x1, y1, x1 + w, y1 + h], dtype=torch.float32, device=img.device)
        return bbox, float(best[0])
