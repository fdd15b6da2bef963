"""PrDiMP (Danelljan et al., "Probabilistic Regression for Visual Tracking", CVPR 2020).

MMTracking 1.x's ``PrDiMP``: a ResNet backbone (``layer2`` and ``layer3``), a
classifier learned online by steepest descent on a KL objective
(:class:`~mmtrack.models.track_heads.PrDiMPClsHead`, key prefix
``classifier``) and an IoU-Net box regressor trained as a probabilistic
regression (:class:`~mmtrack.models.track_heads.IouNetHead`, key prefix
``bbox_regressor``).

Tracking, per frame:

1. crop ``search_scale_factor`` x the box (square root of its area) around the
   previous box, kept inside the image (``border_mode``), resized to
   ``img_sample_size``;
2. classifier score map -> target centre and state (normal, uncertain, hard
   negative, not found);
3. unless not found, IoU-Net refinement of the box at that centre;
4. unless not found / uncertain, classifier update (memory, every
   ``train_skipping`` frames or at once on hard negatives).
"""

from __future__ import annotations

import math
from typing import Optional

import numpy as np
import torch
import torch.nn.functional as F
from mmcv.image import imrotate
from torch import Tensor
from torchvision.transforms.functional import gaussian_blur

from mmtrack.registry import MODELS
from mmtrack.structures import TrackDataSample
from mmtrack.structures.bbox.transforms import bbox_cxcywh_to_xyxy, bbox_xyxy_to_cxcywh

from .base import BaseSingleObjectTracker, check_init_bbox


@MODELS.register_module()
class PrDiMP(BaseSingleObjectTracker):
    """PrDiMP single object tracker.

    Args:
        backbone: backbone config giving the stride-8 and stride-16 levels.
        cls_head: ``PrDiMPClsHead`` config.
        bbox_head: ``IouNetHead`` config.
        neck: unused (MMTracking 1.x signature). Defaults to None.
        train_cfg: unused. Defaults to None.
        test_cfg: ``img_sample_size``, ``feature_stride``,
            ``search_scale_factor``, ``patch_max_scale_change``,
            ``border_mode``, ``bbox_inside_ratio``, ``init_aug_cfg``
            (``augmentation``, ``aug_expansion_factor``, ``random_shift_factor``)
            and ``seed`` (default 0): the random numbers of a video (the
            first-frame shifts and dropout copies, IoU-Net's random initial
            boxes on every frame) come from a CPU generator seeded with it
            at the video's first frame, so a video's track does not depend
            on the videos before it, on the process (``tools/test.py``,
            ``dist_test.sh`` ranks, ``inference_sot``) or on the global
            seed; ``None`` draws from torch's global generator (MMTracking
            1.x's behaviour).
        data_preprocessor: data preprocessor config.
        init_cfg: initialisation config.
    """

    #: IoU-Net refines boxes by gradient ascent while tracking, so the
    #: test-time switches run this model under ``no_grad``, not
    #: ``inference_mode``.
    test_time_autograd = True

    def __init__(
        self,
        backbone: dict,
        cls_head: dict,
        bbox_head: dict,
        neck: Optional[dict] = None,
        train_cfg: Optional[dict] = None,
        test_cfg: Optional[dict] = None,
        data_preprocessor: Optional[dict] = None,
        init_cfg: Optional[dict] = None,
    ) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if test_cfg is None or "img_sample_size" not in test_cfg:
            raise ValueError("PrDiMP: test_cfg.img_sample_size is required")
        self.backbone = MODELS.build(backbone)
        self.classifier = MODELS.build(dict(cls_head, test_cfg=test_cfg))
        self.bbox_regressor = MODELS.build(dict(bbox_head, test_cfg=test_cfg))
        self.test_cfg = dict(test_cfg)
        seed = self.test_cfg.get("seed", 0)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError(f"PrDiMP: test_cfg.seed must be an int or None, got {seed!r}")
        self.generator: Optional[torch.Generator] = None
        size = test_cfg["img_sample_size"]
        self.sample_size = float(size if isinstance(size, (int, float)) else size[0])

    def extract_feat(self, img: Tensor) -> tuple[Tensor, Tensor]:
        """Backbone's last two levels (strides 8 and 16) of ``(N, 3, H, W)``."""
        feats = self.backbone(img)
        return tuple(feats[-2:])

    # ----------------------------------------------------------------- training
    def loss(self, inputs: dict, data_samples: list[TrackDataSample], **kwargs) -> dict:
        """Losses of a batch of DiMP samples (``T_z`` templates, ``T_x`` searches).

        Args:
            inputs: ``img`` ``(N, T_z, 3, H, W)``, ``search_img`` ``(N, T_x, 3, H, W)``.
            data_samples: per sample ``T_z + T_x`` frames, each with
                ``gt_instances.bboxes`` ``(1, 4)`` x1y1x2y2 crop pixels.

        Returns:
            ``loss_cls_init``, ``loss_cls_iter``, ``loss_cls_final``, ``loss_bbox``.
        """
        templates, search = inputs["img"], inputs["search_img"]
        t_z, t_x = templates.shape[1], search.shape[1]

        def boxes(start: int, count: int) -> Tensor:
            out = []
            for i in range(start, start + count):
                per = []
                for sample in data_samples:
                    gt = sample[i].gt_instances.bboxes
                    per.append(torch.as_tensor(gt, dtype=torch.float32).reshape(-1, 4)[0])
                out.append(torch.stack(per))
            return torch.stack(out).to(search.device)

        z_boxes, x_boxes = boxes(0, t_z), boxes(t_z, t_x)
        z_feats = self.extract_feat(templates.transpose(0, 1).flatten(0, 1))
        x_feats = self.extract_feat(search.transpose(0, 1).flatten(0, 1))
        losses = self.classifier.loss(z_feats[-1], x_feats[-1], z_boxes, x_boxes)
        losses.update(self.bbox_regressor.loss(z_feats, x_feats, z_boxes, x_boxes))
        return losses

    # ------------------------------------------------------------------ cropping
    def get_cropped_img(
        self,
        img: Tensor,
        bbox: Tensor,
        scale_factor: float,
        output_size: float,
        border_mode: str = "replicate",
        max_scale_change: Optional[float] = None,
    ) -> tuple[Tensor, Tensor]:
        """Square crop of ``scale_factor * sqrt(w h)`` around a cxcywh box.

        Args:
            img: ``(1, C, H, W)``.
            bbox: ``(4,)`` cx, cy, w, h pixels.
            scale_factor: crop side over the box's square-root area.
            output_size: side of the resized crop.
            border_mode: ``'replicate'`` (pad) or ``'inside'`` / ``'inside_major'``
                (shrink, at most by ``max_scale_change``, and shift into the image).
            max_scale_change: bound of the shrink.

        Returns:
            ``(1, C, output_size, output_size)`` crop and its ``(4,)`` cx, cy,
            w, h in the image.
        """
        h, w = img.shape[-2:]
        crop = float(bbox[2:].prod().sqrt()) * scale_factor
        crop_wh = np.array([crop, crop])
        if border_mode in ("inside", "inside_major"):
            shrink = crop_wh / np.array([w, h])
            shrink = shrink.max() if border_mode == "inside" else shrink.min()
            shrink = min(max(shrink, 1.0), max_scale_change or float("inf"))
            crop_wh = np.floor(crop_wh / shrink)
        half = crop_wh // 2
        c = bbox[:2].detach().cpu().numpy()
        tl = np.floor(c - half).astype(np.int64)
        br = np.floor(c + half).astype(np.int64)
        if border_mode in ("inside", "inside_major"):
            size = np.array([w, h])
            shift = np.clip(-tl, 0, None) - np.clip(br - size, 0, None)
            tl, br = tl + shift, br + shift
            outside = (np.clip(-tl, 0, None) + np.clip(br - size, 0, None)) // 2
            shift = (-tl - outside) * (outside > 0)
            tl, br = tl + shift, br + shift
        br = np.maximum(br, tl + 1)
        patch = F.pad(
            img, (int(-tl[0]), int(br[0] - w), int(-tl[1]), int(br[1] - h)), mode="replicate"
        )
        out = int(round(output_size))
        patch = F.interpolate(patch, (out, out), mode="bilinear", align_corners=True)
        coord = img.new_tensor(
            [(tl[0] + br[0]) / 2, (tl[1] + br[1]) / 2, br[0] - tl[0], br[1] - tl[1]]
        )
        return patch, coord

    def to_sample(self, bbox: Tensor, sample_center: Tensor, resize: float) -> Tensor:
        """cxcywh image box -> cxcywh box of the resized crop centred at ``sample_center``."""
        center = (bbox[:2] - sample_center) / resize + self.sample_size / 2
        return torch.cat([center, bbox[2:] / resize])

    # --------------------------------------------------------------------- init
    @staticmethod
    def _shift_crop(img: Tensor, out: int, shift: tuple[int, int] = (0, 0)) -> Tensor:
        pad_w = (out - img.shape[-1]) / 2
        pad_h = (out - img.shape[-2]) / 2
        return F.pad(
            img,
            (
                math.floor(pad_w) + shift[0], math.ceil(pad_w) - shift[0],
                math.floor(pad_h) + shift[1], math.ceil(pad_h) - shift[1],
            ),
            mode="replicate",
        )  # fmt: skip

    def augment(self, patch: Tensor, bbox: Tensor) -> tuple[Tensor, Tensor]:
        """First-frame augmentations (MMTracking 1.x ``gen_aug_imgs_bboxes``).

        Args:
            patch: ``(1, C, S', S')`` crop ``aug_expansion_factor`` times larger
                than the sample.
            bbox: ``(4,)`` cx, cy, w, h sample pixels.

        Returns:
            ``(N_aug, C, S, S)`` crops and ``(N_aug + n_dropout, 4)`` boxes.
        """
        cfg = self.test_cfg.get("init_aug_cfg", {})
        augs = cfg.get("augmentation", {})
        out = int(round(self.sample_size))
        rand_factor = cfg.get("random_shift_factor", 1 / 3)

        def rand_shift() -> tuple[int, int]:
            r = torch.rand(2, generator=self.generator)
            s = ((r - 0.5) * self.sample_size * rand_factor).long().tolist()
            return int(s[0]), int(s[1])

        imgs, boxes = [self._shift_crop(patch, out)], [bbox]

        def add(img: Tensor, shift: tuple[int, int]) -> None:
            imgs.append(self._shift_crop(img, out, shift))
            boxes.append(bbox + bbox.new_tensor([shift[0], shift[1], 0.0, 0.0]))

        for rel in augs.get("relativeshift", []):
            add(patch, tuple(int(v) for v in (torch.tensor(rel) * self.sample_size / 2).long()))
        if augs.get("fliplr", False):
            add(patch.flip(3), rand_shift())
        for sigma in augs.get("blur", []):
            ks = [2 * math.ceil(2 * s) + 1 for s in sigma]
            add(gaussian_blur(patch, ks[::-1], [float(sigma[1]), float(sigma[0])]), rand_shift())
        for angle in augs.get("rotate", []):
            arr = patch[0].permute(1, 2, 0).detach().cpu().numpy()
            rot = imrotate(arr, angle, border_mode="replicate")
            add(
                torch.from_numpy(np.ascontiguousarray(rot)).permute(2, 0, 1)[None].to(patch),
                rand_shift(),
            )
        for _ in augs.get("dropout", []):
            boxes.append(bbox)
        return torch.cat(imgs), torch.stack(boxes)

    def init(self, img: Tensor, bbox: Tensor) -> None:
        """Learn the classifier and the IoU-Net modulation on the first frame.

        Args:
            img: ``(C, H, W)`` normalised frame.
            bbox: ``(4,)`` x1y1x2y2 input pixels.
        """
        bbox = check_init_bbox(bbox, img.shape[-2:]).to(img.device)
        seed = self.test_cfg.get("seed", 0)
        self.generator = None if seed is None else torch.Generator().manual_seed(seed)
        image = img[None]
        self.frame_num = 1
        self.img_wh = img.new_tensor([img.shape[-1], img.shape[-2]])
        box = bbox_xyxy_to_cxcywh(bbox[None])[0]
        cfg = self.test_cfg.get("init_aug_cfg", {})
        expansion = float(cfg.get("aug_expansion_factor", 2))
        patch, coord = self.get_cropped_img(
            image, box.round(), self.test_cfg["search_scale_factor"] * expansion,
            self.sample_size * expansion,
        )  # fmt: skip
        resize = float(coord[2:].prod().sqrt()) / (self.sample_size * expansion)
        sample_box = self.to_sample(box, box[:2].round(), resize)
        with torch.no_grad():
            crops, boxes = self.augment(patch, sample_box)
            feats = self.extract_feat(crops)
            dropout = cfg.get("augmentation", {}).get("dropout", None)
            self.classifier.init_classifier(feats[-1], boxes, dropout, self.generator)
            self.bbox_regressor.init_iou_net([f[:1] for f in feats], sample_box)
        self.bbox = box

    # -------------------------------------------------------------------- track
    def track(self, img: Tensor) -> tuple[Tensor, float]:
        """Track in ``img`` ``(C, H, W)``: ``(bbox (4,) x1y1x2y2 input pixels, score)``."""
        cfg = self.test_cfg
        self.frame_num += 1
        bbox = self.bbox.clone()
        patch, coord = self.get_cropped_img(
            img[None], bbox.round(), cfg["search_scale_factor"], self.sample_size,
            cfg.get("border_mode", "replicate"), cfg.get("patch_max_scale_change"),
        )  # fmt: skip
        sample_center = coord[:2]
        scale = float(coord[2:].prod().sqrt()) / self.sample_size
        with torch.no_grad():
            feats = self.extract_feat(patch)
            center, score_map, state = self.classifier.predict(
                feats[-1], bbox, sample_center, scale
            )
        if state != "not_found":
            inside = (cfg.get("bbox_inside_ratio", 0.2) - 0.5) * bbox[2:]
            bbox[:2] = torch.max(torch.min(center, self.img_wh - inside), inside)
            with torch.no_grad():
                refined = self.bbox_regressor.predict(
                    feats, self.to_sample(bbox, sample_center, scale), sample_center, scale,
                    self.generator,
                )
            if refined is not None:
                bbox = refined
        if state not in ("not_found", "uncertain"):
            with torch.no_grad():
                self.classifier.update_classifier(
                    self.to_sample(bbox, sample_center, scale), self.frame_num,
                    state == "hard_negative",
                )  # fmt: skip
        self.bbox = bbox
        return bbox_cxcywh_to_xyxy(bbox[None])[0], float(score_map.max())
