"""STARK: spatio-temporal transformer tracking (Yan et al., ICCV 2021), MMTracking 0.14."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Optional, Union

import torch
import torch.nn.functional as F
from torch import Tensor

from mmtrack.registry import MODELS
from mmtrack.structures import TrackDataSample

from .base import BaseSingleObjectTracker

__all__ = ["Stark", "stark_crop"]


def stark_crop(
    img: Tensor,
    bbox_cxcywh: Sequence[float],
    factor: float,
    output_size: int,
    pad_value: Optional[Tensor] = None,
) -> tuple[Tensor, float, Tensor]:
    """Square crop around a box with its padding mask (MMTracking 0.14 ``Stark.get_cropped_img``).

    The crop side is ``s = ceil(sqrt(w h) * factor)`` and its corner
    ``round(c - s / 2)``; the crop spans ``[x1, x1 + s)`` but, as in STARK,
    once it passes the last image column (row) that column (row) is padded
    too. Padded pixels take ``pad_value``; the mask is 1 there, 0 elsewhere.
    Crop and mask are resized bilinearly (``align_corners=False``) to
    ``output_size``; a resized mask pixel is True when any padding reaches it.

    Args:
        img: ``(C, H, W)`` image (normalised).
        bbox_cxcywh: ``(cx, cy, w, h)`` image pixels.
        factor: crop side over ``sqrt(w h)``.
        output_size: output side.
        pad_value: ``(C,)`` fill (the normalised black). Defaults to 0.

    Returns:
        ``crop`` ``(1, C, S, S)``, ``resize_factor`` ``S / s`` and ``mask``
        ``(1, S, S)`` bool.

    Raises:
        ValueError: the box is too small for a one-pixel crop.
    """
    cx, cy, w, h = (float(v) for v in bbox_cxcywh)
    side = math.ceil(math.sqrt(max(w, 0.0) * max(h, 0.0)) * factor)
    if side < 1:
        raise ValueError(
            f"stark_crop: box {[cx, cy, w, h]} (cx, cy, w, h) is too small to crop "
            f"(factor {factor})"
        )
    x1, y1 = round(cx - side * 0.5), round(cy - side * 0.5)
    x2, y2 = x1 + side, y1 + side
    c, img_h, img_w = img.shape
    x1_pad, y1_pad = max(0, -x1), max(0, -y1)
    x2_pad, y2_pad = max(x2 - img_w + 1, 0), max(y2 - img_h + 1, 0)
    canvas = img.new_zeros(c, side, side)
    if pad_value is not None:
        canvas += pad_value.view(c, 1, 1).to(img)
    mask = img.new_ones(side, side, dtype=torch.float32)
    ys, ye = y1 + y1_pad, y2 - y2_pad
    xs, xe = x1 + x1_pad, x2 - x2_pad
    if ye > ys and xe > xs:
        canvas[:, y1_pad : y1_pad + ye - ys, x1_pad : x1_pad + xe - xs] = img[:, ys:ye, xs:xe]
        mask[y1_pad : y1_pad + ye - ys, x1_pad : x1_pad + xe - xs] = 0.0
    size = (output_size, output_size)
    crop = F.interpolate(canvas[None], size=size, mode="bilinear", align_corners=False)
    mask = F.interpolate(mask[None, None], size=size, mode="bilinear", align_corners=False)
    return crop, output_size / side, mask[0].to(torch.bool)


def _xyxy_to_cxcywh(box: Tensor) -> Tensor:
    x1, y1, x2, y2 = box.unbind(-1)
    return torch.stack(((x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1), dim=-1)


@MODELS.register_module()
class Stark(BaseSingleObjectTracker):
    """STARK-ST1 / ST2 single object tracker.

    Network: ResNet-50 to ``layer3`` (stride 16) and a 1x1
    :class:`~mmtrack.models.necks.ChannelMapper` to 256 channels on every
    template crop (128 px, factor 2) and the search crop (320 px, factor 5);
    :class:`~mmtrack.models.track_heads.StarkHead` encodes all tokens
    together, decodes one query and predicts the box corners (and, ST2, a
    confidence score).

    Training: ``loss`` takes the pairs of ``TridentSampling`` (2 templates,
    1 search frame) with their padding masks; ST1 learns boxes, ST2 the
    score with the rest frozen (``frozen_modules=['backbone', 'neck']`` here
    and the head's own ``frozen_modules``), loading an ST1 checkpoint.

    Testing: frame 0 fills every template slot with the initial crop. Each
    later frame crops the search region around the last box, maps the
    predicted corners back to the image, and clips the box (``x1, y1`` in
    ``[0, W - 10]``, sizes in ``[10, W]``). ST2: the dynamic template ``i``
    is replaced by the crop around the new box when ``frame_id %
    update_intervals[i] == 0`` and the score's sigmoid exceeds 0.5.

    Parameter names follow MMTracking 0.14 (``backbone.*``, ``neck.*``,
    ``head.*``), so its STARK checkpoints load as they are.

    Args:
        backbone: backbone config (ResNet-50, 3 stages).
        neck: neck config (ChannelMapper).
        head: :class:`StarkHead` config.
        init_cfg: initialisation config. Defaults to None.
        frozen_modules: sub-modules frozen (eval mode, no gradients):
            a name or a list of names. Defaults to None.
        train_cfg: unused, kept for config compatibility.
        test_cfg: ``template_factor`` (2.0), ``template_size`` (128),
            ``search_factor`` (5.0), ``search_size`` (320),
            ``update_intervals`` (``[200]``: one dynamic template),
            ``clip_margin`` (10), ``test_mode`` (``'OPE'`` / ``'VOT'``).
        data_preprocessor: data preprocessor config. Defaults to None.
    """

    def __init__(
        self,
        backbone: dict,
        neck: Optional[dict] = None,
        head: Optional[dict] = None,
        init_cfg: Optional[dict] = None,
        frozen_modules: Union[str, Sequence[str], None] = None,
        train_cfg: Optional[dict] = None,
        test_cfg: Optional[dict] = None,
        data_preprocessor: Optional[dict] = None,
    ) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if neck is None or head is None:
            raise ValueError("Stark needs a neck and a head config")
        self.backbone = MODELS.build(backbone)
        self.neck = MODELS.build(neck)
        self.head = MODELS.build(head)
        cfg = dict(
            template_factor=2.0,
            template_size=128,
            search_factor=5.0,
            search_size=320,
            update_intervals=[200],
            clip_margin=10,
            test_mode="OPE",
        )
        unknown = set(test_cfg or {}) - set(cfg)
        if unknown:
            raise KeyError(f"Stark test_cfg: unknown keys {sorted(unknown)} (known: {sorted(cfg)})")
        cfg.update(test_cfg or {})
        cfg["update_intervals"] = [int(v) for v in cfg["update_intervals"]]
        if any(v <= 0 for v in cfg["update_intervals"]):
            raise ValueError(
                f"Stark test_cfg.update_intervals must be positive, got {cfg['update_intervals']}"
            )
        self.test_cfg = cfg
        self.train_cfg = train_cfg
        stride, feat = self.head.bbox_head.stride, self.head.bbox_head.feat_size
        if cfg["search_size"] != stride * feat:
            raise ValueError(
                f"Stark: test_cfg.search_size {cfg['search_size']} must equal the corner head's "
                f"feat_size x stride = {feat} x {stride}"
            )
        self.update_intervals = cfg["update_intervals"]
        self.num_extra_template = len(self.update_intervals)
        if isinstance(frozen_modules, str):
            frozen_modules = [frozen_modules]
        self.frozen_modules = list(frozen_modules or [])
        for name in self.frozen_modules:
            if not isinstance(getattr(self, name, None), torch.nn.Module):
                raise ValueError(f"Stark frozen_modules: no sub-module named {name!r}")
            for param in getattr(self, name).parameters():
                param.requires_grad = False
        self.frame_id = 0
        self.memo: dict[str, Any] = {}

    def train(self, mode: bool = True) -> Stark:
        """Train mode, the frozen modules kept in eval mode."""
        super().train(mode)
        for name in self.frozen_modules:
            getattr(self, name).eval()
        return self

    # ----------------------------------------------------------------- network
    def extract_feat(self, img: Tensor) -> tuple[Tensor, ...]:
        """``(N, 3, H, W)`` -> the neck's maps, one ``(N, 256, H / 16, W / 16)``."""
        return self.neck(self.backbone(img))

    def loss(self, inputs: dict, data_samples: list[TrackDataSample], **kwargs) -> dict:
        """Losses of a batch of ``TridentSampling`` samples.

        Args:
            inputs: ``img`` ``(N, T, 3, H_z, W_z)`` templates and
                ``search_img`` ``(N, 1, 3, H_x, W_x)`` search crops (normalised).
            data_samples: per sample a :class:`TrackDataSample` of ``T + 1``
                frames (templates, then the search frame), each with
                ``padding_mask`` ``(H, W)`` bool; the search frame holds
                ``gt_instances.bboxes`` ``(1, 4)`` x1y1x2y2 search-crop pixels
                and ``gt_instances.labels`` ``(1,)`` (1 positive, 0 negative).

        Returns:
            ST1: ``loss_bbox`` and ``loss_iou``; ST2: ``loss_cls``.
        """
        templates, search = inputs["img"], inputs["search_img"]
        num_templates = templates.shape[1]
        if num_templates != self.num_extra_template + 1:
            raise ValueError(
                f"Stark.loss: {num_templates} templates per sample, the model expects "
                f"{self.num_extra_template + 1} (1 + len(update_intervals))"
            )
        device = search.device

        def masks(index: int) -> Tensor:
            out = []
            for sample in data_samples:
                frame = sample[index]
                if "padding_mask" not in frame:
                    raise KeyError(
                        f"Stark.loss: frame {index} of {frame.metainfo.get('img_path', '?')} has "
                        "no padding_mask (SeqCropLikeStark makes it)"
                    )
                out.append(torch.as_tensor(frame.padding_mask).to(device=device, dtype=torch.bool))
            return torch.stack(out)

        head_inputs = [
            dict(feat=self.extract_feat(templates[:, i]), mask=masks(i))
            for i in range(num_templates)
        ]
        head_inputs.append(dict(feat=self.extract_feat(search[:, 0]), mask=masks(num_templates)))
        results = self.head(head_inputs)
        search_frames = [s[num_templates] for s in data_samples]
        gt_bboxes = torch.stack([f.gt_instances.bboxes[0] for f in search_frames]).to(search)
        gt_labels = torch.stack(
            [torch.as_tensor(f.gt_instances.labels).reshape(-1)[0] for f in search_frames]
        ).to(device)
        return self.head.loss(results, gt_bboxes, gt_labels, search.shape[-2:])

    # -------------------------------------------------------------- tracking
    def _pad_value(self, channels: int, device: torch.device) -> Optional[Tensor]:
        """The normalised black, STARK's crop fill (0 without normalisation)."""
        pre = self.data_preprocessor
        mean, std = getattr(pre, "mean", None), getattr(pre, "std", None)
        if mean is None or std is None or not getattr(pre, "_enable_normalize", True):
            return None
        return (-mean.reshape(-1) / std.reshape(-1)).to(device)[:channels]

    def _template(self, img: Tensor, bbox_cxcywh: Tensor) -> dict:
        cfg = self.test_cfg
        pad = self._pad_value(img.shape[0], img.device)
        patch, _, mask = stark_crop(
            img, bbox_cxcywh.tolist(), cfg["template_factor"], cfg["template_size"], pad
        )
        with torch.no_grad():
            feat = self.extract_feat(patch)
        return dict(feat=feat, mask=mask)

    def predict(self, inputs: Any, data_samples: list[TrackDataSample]) -> list[TrackDataSample]:
        """Track one frame (see :class:`BaseSingleObjectTracker`); records ``frame_id``."""
        if len(data_samples) == 1:
            sample = data_samples[0]
            frame = sample[0] if isinstance(sample, TrackDataSample) else sample
            self.frame_id = int(frame.metainfo.get("frame_id", -1))
        return super().predict(inputs, data_samples)

    def init(self, img: Tensor, bbox: Tensor) -> None:
        """Fill the first and every dynamic template slot with the frame-0 crop.

        Args:
            img: ``(C, H, W)`` normalised image.
            bbox: ``(4,)`` x1y1x2y2 input pixels.
        """
        box = _xyxy_to_cxcywh(bbox.float().to(img.device))
        template = self._template(img, box)
        self.memo = dict(bbox=box, templates=[template] * (self.num_extra_template + 1))

    def update_template(self, img: Tensor, bbox_cxcywh: Tensor, conf_score: float) -> list[int]:
        """Replace the dynamic templates due at this frame.

        Template ``i`` (1-based slot ``i + 1``) becomes the crop around
        ``bbox_cxcywh`` when ``frame_id % update_intervals[i] == 0`` and
        ``conf_score > 0.5``.

        Args:
            img: ``(C, H, W)`` normalised image.
            bbox_cxcywh: ``(4,)`` the new box, input pixels.
            conf_score: the score's sigmoid.

        Returns:
            The indices ``i`` of the templates replaced.
        """
        updated = []
        for i, interval in enumerate(self.update_intervals):
            if self.frame_id % interval == 0 and conf_score > 0.5:
                self.memo["templates"][i + 1] = self._template(img, bbox_cxcywh)
                updated.append(i)
        return updated

    def mapping_bbox_back(
        self, pred_bboxes: Tensor, prev_bbox: Tensor, resize_factor: float
    ) -> Tensor:
        """Search-crop corners -> image box.

        Args:
            pred_bboxes: ``(B, Nq, 4)`` tl/br pixels of the resized crop
                (averaged over queries).
            prev_bbox: ``(4,)`` cx, cy, w, h of the last box, image pixels.
            resize_factor: crop output size over crop side.

        Returns:
            ``(4,)`` x1y1x2y2 image pixels.
        """
        box = pred_bboxes.reshape(-1, 4).mean(dim=0) / resize_factor
        half = 0.5 * self.test_cfg["search_size"] / resize_factor
        shift = torch.stack([prev_bbox[0] - half, prev_bbox[1] - half]).to(box)
        return box + shift.repeat(2)

    @staticmethod
    def bbox_clip(bbox: Tensor, img_h: int, img_w: int, margin: int = 0) -> Tensor:
        """MMTracking's ``_bbox_clip``: ``x1 in [0, W - m]``, ``w in [m, W]`` (y likewise)."""
        w, h = bbox[2] - bbox[0], bbox[3] - bbox[1]
        x1 = bbox[0].clamp(0, img_w - margin)
        y1 = bbox[1].clamp(0, img_h - margin)
        w, h = w.clamp(margin, img_w), h.clamp(margin, img_h)
        return torch.stack([x1, y1, x1 + w, y1 + h])

    def track(self, img: Tensor) -> tuple[Tensor, float]:
        """Track the target in one frame.

        Args:
            img: ``(C, H, W)`` normalised image.

        Returns:
            ``(bbox (4,) x1y1x2y2 input pixels, score)``: the sigmoid of the
            score head (ST2) or -1 (ST1).
        """
        if "templates" not in self.memo:
            raise RuntimeError("Stark.track called before init (frame 0)")
        cfg = self.test_cfg
        img_h, img_w = img.shape[1:]
        pad = self._pad_value(img.shape[0], img.device)
        patch, resize_factor, mask = stark_crop(
            img, self.memo["bbox"].tolist(), cfg["search_factor"], cfg["search_size"], pad
        )
        with torch.no_grad():
            search = dict(feat=self.extract_feat(patch), mask=mask)
            results = self.head(self.memo["templates"] + [search])
        box = self.mapping_bbox_back(results["pred_bboxes"], self.memo["bbox"], resize_factor)
        box = self.bbox_clip(box, img_h, img_w, cfg["clip_margin"])
        score = -1.0
        new_cxcywh = _xyxy_to_cxcywh(box)
        if self.head.cls_head is not None:
            score = float(results["pred_logits"].reshape(-1).sigmoid()[0])
            self.update_template(img, new_cxcywh, score)
        self.memo["bbox"] = new_cxcywh
        return box, score
