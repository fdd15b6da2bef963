"""SiamRPN++ (Li et al., CVPR 2019): Siamese tracking with a deep ResNet and an RPN head."""

from __future__ import annotations

from typing import Any, Optional

import torch
from torch import Tensor
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.modules.conv import _ConvNd

from mmtrack.registry import MODELS
from mmtrack.structures import TrackDataSample
from mmtrack.structures.bbox.transforms import bbox_cxcywh_to_xyxy, bbox_xyxy_to_cxcywh

from .base import BaseSingleObjectTracker, clip_bbox, get_cropped_img

_TEST_DEFAULTS = dict(exemplar_size=127, search_size=255, context_amount=0.5, center_size=7)


@MODELS.register_module()
class SiamRPN(BaseSingleObjectTracker):
    """SiamRPN++ single object tracker (MMTracking's ``SiamRPN``).

    Training: template crops (``img``, 127 x 127) and search crops
    (``search_img``, 255 x 255) go through the shared backbone and neck; the
    template maps are cut to their ``center_size`` centre; the head's losses
    are ``loss_rpn_cls`` and ``loss_rpn_bbox``.

    Tracking (SiamFC protocol): frame 0 crops a square of side
    ``round(sqrt((w + p)(h + p)))``, ``p = context_amount (w + h)``, around
    the box (padded with the image's mean colour), resized to
    ``exemplar_size``. Each later frame crops ``search_size / exemplar_size``
    times that side around the last box, runs the head and takes
    :meth:`SiameseRPNHead.get_bbox`'s box, clipped to the image (centre
    inside, size 10 px to the image size) and rounded to whole pixels
    (cx, cy, w, h), as MMTracking 0.14's ``simple_test``.

    State-dict keys are MMTracking's (``backbone.*``, ``neck.*``,
    ``head.cls_heads.i.*``, ``head.reg_heads.i.*``, ``head.cls_weight``,
    ``head.reg_weight``).

    Args:
        backbone: backbone config (:class:`SOTResNet`).
        neck: neck config (:class:`ChannelMapper`). Defaults to None.
        head: :class:`SiameseRPNHead` config.
        train_cfg: ``rpn`` (the head's train_cfg) and the backbone unfreezing
            settings. Defaults to None.
        test_cfg: ``exemplar_size`` (127), ``search_size`` (255),
            ``context_amount`` (0.5), ``center_size`` (7), ``rpn`` (the head's
            ``penalty_k``, ``window_influence``, ``lr``), ``test_mode``
            (``'OPE'`` or ``'VOT'``). Defaults to None.
        frozen_modules: not supported (use the backbone's ``frozen_stages``).
        data_preprocessor: data preprocessor config. Defaults to None.
        init_cfg: init config. Defaults to None.
    """

    def __init__(
        self,
        backbone: dict,
        neck: Optional[dict] = None,
        head: Optional[dict] = None,
        train_cfg: Optional[dict] = None,
        test_cfg: Optional[dict] = None,
        frozen_modules: Optional[Any] = None,
        data_preprocessor: Optional[dict] = None,
        init_cfg: Optional[dict] = None,
    ) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if head is None:
            raise ValueError("SiamRPN needs a head config")
        if frozen_modules is not None:
            raise ValueError("SiamRPN: frozen_modules is not supported; use frozen_stages")
        self.backbone = MODELS.build(backbone)
        self.neck = MODELS.build(neck) if neck is not None else None
        test_cfg = dict(test_cfg or {})
        train_cfg = dict(train_cfg or {})
        head = dict(head)
        head.update(train_cfg=train_cfg.get("rpn"), test_cfg=test_cfg.get("rpn"))
        self.head = MODELS.build(head)
        self.test_cfg = {**_TEST_DEFAULTS, **test_cfg}
        self.train_cfg = train_cfg
        self.memo: dict[str, Any] = {}

    @property
    def with_neck(self) -> bool:
        """Whether the model has a neck."""
        return self.neck is not None

    def init_weights(self) -> None:
        """Backbone init (its ``init_cfg``), PyTorch's default init for neck and head."""
        self.backbone.init_weights()
        for module in (self.neck, self.head):
            if module is None:
                continue
            for m in module.modules():
                if isinstance(m, (_ConvNd, _BatchNorm)):
                    m.reset_parameters()

    # ---------------------------------------------------------------- features
    def forward_template(self, z_img: Tensor) -> tuple[Tensor, ...]:
        """``(N, C, Hz, Wz)`` exemplars -> per level the ``center_size`` centre of the maps."""
        feats = self.backbone(z_img)
        if self.neck is not None:
            feats = self.neck(feats)
        size = int(self.test_cfg["center_size"])
        out = []
        for f in feats:
            left = (f.size(3) - size) // 2
            top = (f.size(2) - size) // 2
            out.append(f[:, :, top : top + size, left : left + size])
        return tuple(out)

    def forward_search(self, x_img: Tensor) -> tuple[Tensor, ...]:
        """``(N, C, Hx, Wx)`` search images -> per level feature maps."""
        feats = self.backbone(x_img)
        if self.neck is not None:
            feats = self.neck(feats)
        return tuple(feats)

    def _forward(self, inputs: Any, data_samples: Optional[list] = None) -> tuple[Tensor, Tensor]:
        """Raw head outputs ``(cls_score, bbox_pred)`` of template/search pairs."""
        z_img, x_img = self._pair(inputs)
        return self.head(self.forward_template(z_img), self.forward_search(x_img))

    @staticmethod
    def _pair(inputs: Any) -> tuple[Tensor, Tensor]:
        if not isinstance(inputs, dict) or "img" not in inputs or "search_img" not in inputs:
            raise KeyError("SiamRPN training needs inputs with 'img' and 'search_img'")
        z_img, x_img = inputs["img"], inputs["search_img"]
        if z_img.dim() == 5:
            z_img = z_img[:, 0]
        if x_img.dim() == 5:
            x_img = x_img[:, 0]
        return z_img, x_img

    # -------------------------------------------------------------------- loss
    def loss(self, inputs: dict, data_samples: list[TrackDataSample]) -> dict:
        """Losses of template/search pairs.

        Args:
            inputs: ``img`` ``(N, 1, C, 127, 127)`` and ``search_img``
                ``(N, 1, C, 255, 255)``.
            data_samples: per pair a :class:`TrackDataSample`; its search frame
                (``ref_frames_inds[0]``, else frame 1) has
                ``gt_instances.bboxes`` ``(1, 4)`` x1y1x2y2 search-crop pixels
                and ``labels`` (1 positive pair, 0 negative).

        Returns:
            ``loss_rpn_cls`` and ``loss_rpn_bbox``.
        """
        cls_score, bbox_pred = self._forward(inputs)
        gts = []
        for sample in data_samples:
            refs = sample.metainfo.get("ref_frames_inds", None) or [1]
            gts.append(sample[int(refs[0])].gt_instances.to(cls_score.device))
        return self.head.loss_by_feat(cls_score, bbox_pred, gts)

    # ---------------------------------------------------------------- tracking
    def _context_size(self, bbox: Tensor) -> Tensor:
        amount = float(self.test_cfg["context_amount"])
        z_w = bbox[2] + amount * (bbox[2] + bbox[3])
        z_h = bbox[3] + amount * (bbox[2] + bbox[3])
        return torch.sqrt(z_w * z_h)

    def init(self, img: Tensor, bbox: Tensor) -> None:
        """Store the exemplar features of frame 0.

        Args:
            img: ``(C, H, W)`` image.
            bbox: ``(4,)`` x1y1x2y2 image pixels.
        """
        box = bbox_xyxy_to_cxcywh(bbox.float().to(img.device))
        z_size = torch.round(self._context_size(box))
        avg_channel = img.mean(dim=(1, 2))
        z_crop = get_cropped_img(
            img[None], box[:2].tolist(), int(self.test_cfg["exemplar_size"]), float(z_size),
            avg_channel,
        )
        self.memo = dict(bbox=box, z_feat=self.forward_template(z_crop), avg_channel=avg_channel)

    def track(self, img: Tensor) -> tuple[Tensor, float]:
        """Track the stored target into ``img`` ``(C, H, W)``.

        Returns:
            ``(bbox (4,) x1y1x2y2 image pixels, score)``.
        """
        if "z_feat" not in self.memo:
            raise RuntimeError("SiamRPN.track called before init (frame 0)")
        box = self.memo["bbox"]
        z_size = self._context_size(box)
        exemplar, search = int(self.test_cfg["exemplar_size"]), int(self.test_cfg["search_size"])
        x_size = torch.round(z_size * (search / exemplar))
        x_crop = get_cropped_img(
            img[None], box[:2].tolist(), search, float(x_size), self.memo["avg_channel"]
        )
        cls_score, bbox_pred = self.head(self.memo["z_feat"], self.forward_search(x_crop))
        score, new_box = self.head.get_bbox(cls_score, bbox_pred, box, float(exemplar / z_size))
        # MMTracking 0.14 rounds the tracked box (cx, cy, w, h) every frame
        new_box = torch.round(clip_bbox(new_box, img.shape[1], img.shape[2]))
        self.memo["bbox"] = new_box
        return bbox_cxcywh_to_xyxy(new_box), float(score)
