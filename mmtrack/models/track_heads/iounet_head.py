"""IoU-Net box refinement head of ATOM / PrDiMP (MMTracking 1.x ``IouNetHead``).

A template branch turns the first frame's target region (PrRoIPool on the
``layer2`` / ``layer3`` features) into two modulation vectors; a search branch
multiplies the search features with them and pools each proposal to predict
its score (PrDiMP: an unnormalised log density of the box, trained with the
KL Monte Carlo loss). At test time the boxes climb the score by gradient
ascent in relative (centre / log-size) coordinates.

Box formats: proposals inside the head are x, y, w, h crop pixels (top-left
corner); the public ``predict`` takes and returns cx, cy, w, h.
"""

from __future__ import annotations

import math
from typing import Optional, Sequence

import torch
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from torch import Tensor, nn

from mmtrack.ops import PrRoIPool
from mmtrack.registry import MODELS
from mmtrack.structures.bbox.transforms import bbox_cxcywh_to_xyxy


def xywh_to_rel_cxcywh(bboxes: Tensor, sz_norm: Tensor) -> Tensor:
    """x, y, w, h -> (cx / s_w, cy / s_h, log(w / s_w), log(h / s_h))."""
    center = bboxes[..., :2] + 0.5 * bboxes[..., 2:]
    return torch.cat([center / sz_norm, torch.log(bboxes[..., 2:] / sz_norm)], dim=-1)


def rel_cxcywh_to_xywh(rel: Tensor, sz_norm: Tensor) -> Tensor:
    """Inverse of :func:`xywh_to_rel_cxcywh`."""
    size = torch.exp(rel[..., 2:]) * sz_norm
    center = rel[..., :2] * sz_norm
    return torch.cat([center - 0.5 * size, size], dim=-1)


class LinearBlock(nn.Module):
    """FC -> BN -> ReLU on a pooled ``(N, C, s, s)`` map (keys ``linear``, ``bn``)."""

    def __init__(self, in_planes: int, out_planes: int, input_size: int) -> None:
        super().__init__()
        self.linear = nn.Linear(in_planes * input_size * input_size, out_planes, bias=True)
        self.bn = nn.BatchNorm2d(out_planes)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: Tensor) -> Tensor:
        """``(N, C, s, s)`` -> ``(N, out_planes)``."""
        x = self.linear(x.reshape(x.shape[0], -1))
        x = self.bn(x.reshape(x.shape[0], x.shape[1], 1, 1))
        return self.relu(x).reshape(x.shape[0], -1)


def _conv(in_planes: int, out_planes: int, kernel_size: int = 3, padding: int = 1) -> ConvModule:
    return ConvModule(
        in_planes, out_planes, kernel_size, padding=padding, bias=False,
        norm_cfg=dict(type="BN", requires_grad=True), act_cfg=dict(type="ReLU"), inplace=True,
    )  # fmt: skip


def _rois(boxes_xyxy: Tensor) -> Tensor:
    """``(N, K, 4)`` boxes -> ``(N * K, 5)`` rois with the batch index first."""
    n, k = boxes_xyxy.shape[:2]
    index = torch.arange(n, dtype=boxes_xyxy.dtype, device=boxes_xyxy.device)
    index = index.view(n, 1, 1).expand(n, k, 1)
    return torch.cat([index, boxes_xyxy], dim=2).reshape(-1, 5)


@MODELS.register_module()
class IouNetHead(BaseModule):
    """IoU / box-density prediction and refinement (ATOM, PrDiMP).

    Args:
        in_dim: channels of the two backbone levels (strides 8, 16).
        pred_in_dim: channels of the modulated search features.
        pred_inter_dim: widths of the two FC blocks.
        bbox_cfg: test-time refinement: ``num_init_random_boxes``,
            ``box_jitter_pos``, ``box_jitter_sz``, ``iounet_topk``,
            ``box_refine_step_length``, ``box_refine_iter``,
            ``max_aspect_ratio``, ``box_refine_step_decay``.
        train_cfg: ``proposals_sigma`` (list of (centre, size) sigmas of the
            proposal GMM), ``gt_bboxes_sigma``, ``num_samples``,
            ``loss_weights.bbox``.
        test_cfg: the model's test config (``img_sample_size``).
        loss_bbox: loss config (``KLMCLoss``).
    """

    def __init__(
        self,
        in_dim: Sequence[int] = (128, 256),
        pred_in_dim: Sequence[int] = (256, 256),
        pred_inter_dim: Sequence[int] = (256, 256),
        bbox_cfg: Optional[dict] = None,
        train_cfg: Optional[dict] = None,
        test_cfg: Optional[dict] = None,
        loss_bbox: Optional[dict] = None,
        init_cfg: Optional[dict] = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        self.bbox_cfg = dict(bbox_cfg or {})
        self.train_cfg = dict(train_cfg or {})
        self.test_cfg = dict(test_cfg or {})
        self.loss_bbox = MODELS.build(loss_bbox or dict(type="KLMCLoss"))
        # template branch (MMTracking 1.x names; 3 = stride 8, 4 = stride 16)
        self.conv3_temp = _conv(in_dim[0], 128)
        self.roi3_temp = PrRoIPool(3, 1 / 8)
        self.fc3_temp = _conv(128, 256, padding=0)
        self.fc34_3_temp = _conv(256 + 256, pred_in_dim[0], kernel_size=1, padding=0)
        self.conv4_temp = _conv(in_dim[1], 256)
        self.roi4_temp = PrRoIPool(1, 1 / 16)
        self.fc34_4_temp = _conv(256 + 256, pred_in_dim[1], kernel_size=1, padding=0)
        # search branch
        self.conv3_search = nn.Sequential(_conv(in_dim[0], 256), _conv(256, pred_in_dim[0]))
        self.roi3_search = PrRoIPool(5, 1 / 8)
        self.fc3_search = LinearBlock(pred_in_dim[0], pred_inter_dim[0], 5)
        self.conv4_search = nn.Sequential(_conv(in_dim[1], 256), _conv(256, pred_in_dim[1]))
        self.roi4_search = PrRoIPool(3, 1 / 16)
        self.fc4_search = LinearBlock(pred_in_dim[1], pred_inter_dim[1], 3)
        self.iou_predictor = nn.Linear(pred_inter_dim[0] + pred_inter_dim[1], 1, bias=True)

    def init_weights(self) -> None:
        """Kaiming-normal (fan-in) convs and FCs, uniform BN scales (MMTracking 1.x)."""
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(m.weight, mode="fan_in")
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.uniform_(m.weight)
                nn.init.zeros_(m.bias)

    # ------------------------------------------------------------------ network
    def get_modulation(self, feats: Sequence[Tensor], bboxes: Tensor) -> tuple[Tensor, Tensor]:
        """Modulation vectors of the template targets.

        Args:
            feats: ``(N, in_dim[0], H/8, W/8)`` and ``(N, in_dim[1], H/16, W/16)``.
            bboxes: ``(N, 4)`` x1y1x2y2 crop pixels.

        Returns:
            Two ``(N, pred_in_dim[i], 1, 1)`` tensors.
        """
        rois = _rois(bboxes.reshape(-1, 1, 4))
        fc3 = self.fc3_temp(self.roi3_temp(self.conv3_temp(feats[0]), rois))
        roi4 = self.roi4_temp(self.conv4_temp(feats[1]), rois)
        fc34 = torch.cat([fc3, roi4], dim=1)
        return self.fc34_3_temp(fc34), self.fc34_4_temp(fc34)

    def forward(self, feats: Sequence[Tensor]) -> tuple[Tensor, Tensor]:
        """Search-branch features of the two levels."""
        return self.conv3_search(feats[0]), self.conv4_search(feats[1])

    def predict_iou(
        self, modulations: Sequence[Tensor], feats: Sequence[Tensor], proposals: Tensor
    ) -> Tensor:
        """Scores of ``(N, K, 4)`` x, y, w, h proposals -> ``(N, K)``."""
        n, k = proposals.shape[:2]
        att3 = feats[0] * modulations[0]
        att4 = feats[1] * modulations[1]
        xyxy = torch.cat([proposals[..., :2], proposals[..., :2] + proposals[..., 2:]], dim=2)
        rois = _rois(xyxy)
        fc3 = self.fc3_search(self.roi3_search(att3, rois))
        fc4 = self.fc4_search(self.roi4_search(att4, rois))
        return self.iou_predictor(torch.cat([fc3, fc4], dim=1)).reshape(n, k)

    # ----------------------------------------------------------------- training
    @staticmethod
    def gauss_density_centered(x: Tensor, sigma: Tensor) -> Tensor:
        """Zero-mean normal density, elementwise."""
        return torch.exp(-0.5 * (x / sigma) ** 2) / (math.sqrt(2 * math.pi) * sigma)

    def get_targets(self, bboxes: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """Sample proposals around the gt boxes (PrDiMP's GMM proposal density).

        Each of the 4 relative coordinates of a proposal is offset by
        ``sigma_c * N(0, 1)`` with the component ``c`` drawn uniformly from
        ``proposals_sigma``; the proposal density is the GMM density of the
        offset and the label density the normal density with
        ``gt_bboxes_sigma``.

        Args:
            bboxes: ``(N, 4)`` x, y, w, h crop pixels.

        Returns:
            proposals ``(N, M, 4)`` x, y, w, h, their proposal density
            ``(N, M)`` and label density ``(N, M)``.
        """
        num = int(self.train_cfg["num_samples"])
        comps = self.train_cfg["proposals_sigma"]
        sig_c = bboxes.new_tensor([c for c, _ in comps])
        sig_s = bboxes.new_tensor([s for _, s in comps])
        sigma = torch.stack([sig_c, sig_c, sig_s, sig_s])  # (4, n_comp)
        gc, gs = self.train_cfg["gt_bboxes_sigma"]
        gt_sigma = bboxes.new_tensor([gc, gc, gs, gs])
        n = bboxes.shape[0]
        comp = torch.randint(sigma.shape[1], (n, num), device=bboxes.device)
        offsets = sigma.t()[comp] * torch.randn(n, num, 4, device=bboxes.device)
        proposal_density = self.gauss_density_centered(offsets[..., None], sigma).prod(-2).mean(-1)
        gt_density = self.gauss_density_centered(offsets, gt_sigma).prod(-1)
        sz = bboxes[:, None, 2:]
        proposals = rel_cxcywh_to_xywh(xywh_to_rel_cxcywh(bboxes[:, None], sz) + offsets, sz)
        return proposals, proposal_density, gt_density

    def loss(
        self,
        template_feats: Sequence[Tensor],
        search_feats: Sequence[Tensor],
        template_bboxes: Tensor,
        search_bboxes: Tensor,
    ) -> dict[str, Tensor]:
        """KL Monte Carlo loss on proposals around the search boxes.

        Args:
            template_feats: two levels, ``(T_z * N, C, H, W)`` frame-major; the
                first template of each sequence is used.
            search_feats: two levels, ``(T_x * N, C, H, W)`` frame-major.
            template_bboxes: ``(T_z, N, 4)`` x1y1x2y2 crop pixels.
            search_bboxes: ``(T_x, N, 4)`` x1y1x2y2 crop pixels.

        Returns:
            ``loss_bbox`` (times ``loss_weights.bbox``).
        """
        n = template_bboxes.shape[1]
        t_x = search_bboxes.shape[0]
        mods = self.get_modulation([f[:n] for f in template_feats], template_bboxes[0])
        mods = [m.repeat(t_x, 1, 1, 1) for m in mods]
        boxes = search_bboxes.reshape(-1, 4)
        xywh = torch.cat([boxes[:, :2], boxes[:, 2:] - boxes[:, :2]], dim=1)
        proposals, proposal_density, gt_density = self.get_targets(xywh)
        scores = self.predict_iou(mods, self(search_feats), proposals)
        loss = self.loss_bbox(scores, proposal_density, gt_density, mc_dim=1)
        return dict(loss_bbox=self.train_cfg.get("loss_weights", {}).get("bbox", 1.0) * loss)

    # ------------------------------------------------------------------- online
    def init_iou_net(self, feats: Sequence[Tensor], bbox: Tensor) -> None:
        """Store the modulation of the first frame's ``(4,)`` cx, cy, w, h crop box."""
        self.iou_modulation = [
            m.detach() for m in self.get_modulation(feats, bbox_cxcywh_to_xyxy(bbox.view(1, 4)))
        ]

    def optimize_bboxes(
        self, iou_feats: Sequence[Tensor], init_bboxes: Tensor
    ) -> tuple[Tensor, Tensor]:
        """Gradient ascent of the predicted score in relative coordinates.

        ``r <- r + step * d score / d r`` for ``box_refine_iter`` steps (the
        step times ``box_refine_step_decay`` after each), where ``r`` is the
        box centre over the first box's size and the log of its size over it.

        Args:
            iou_feats: the search features (:meth:`forward`).
            init_bboxes: ``(K, 4)`` cx, cy, w, h crop pixels.

        Returns:
            ``(K, 4)`` refined x, y, w, h and their ``(K,)`` scores (before the
            last step, as in MMTracking).
        """
        step = self.bbox_cfg.get("box_refine_step_length", 2.5e-3)
        if isinstance(step, (tuple, list)):
            step = init_bboxes.new_tensor([step[0], step[0], step[1], step[1]]).view(1, 1, 4)
        xywh = torch.cat([init_bboxes[:, :2] - init_bboxes[:, 2:] / 2, init_bboxes[:, 2:]], 1)
        xywh = xywh.view(1, -1, 4)
        sz_norm = xywh[:, :1, 2:].clone()
        rel = xywh_to_rel_cxcywh(xywh, sz_norm)
        scores = init_bboxes.new_zeros(1, xywh.shape[1])
        with torch.enable_grad():
            for _ in range(int(self.bbox_cfg.get("box_refine_iter", 10))):
                r = rel.clone().detach().requires_grad_(True)
                scores = self.predict_iou(
                    self.iou_modulation, iou_feats, rel_cxcywh_to_xywh(r, sz_norm)
                )
                (grad,) = torch.autograd.grad(scores.sum(), r)
                rel = (r + step * grad).detach()
                step = step * self.bbox_cfg.get("box_refine_step_decay", 1.0)
        return rel_cxcywh_to_xywh(rel, sz_norm).view(-1, 4), scores.detach().view(-1)

    def predict(
        self,
        backbone_feats: Sequence[Tensor],
        init_bbox: Tensor,
        sample_center: Tensor,
        scale_factor: float,
        generator: Optional[torch.Generator] = None,
    ) -> Optional[Tensor]:
        """Refine a box of the search crop and map it to the image.

        Args:
            backbone_feats: the two levels of the search crop, batch 1.
            init_bbox: ``(4,)`` cx, cy, w, h crop pixels.
            sample_center: ``(2,)`` crop centre x, y image pixels.
            scale_factor: image pixels per crop pixel.
            generator: CPU generator of the random initial boxes; None:
                torch's global generator.

        Returns:
            ``(4,)`` cx, cy, w, h image pixels (the mean of the ``iounet_topk``
            best refined boxes), or None when every box has an aspect ratio
            beyond ``max_aspect_ratio``.
        """
        cfg = self.bbox_cfg
        iou_feats = self(backbone_feats)
        init_bbox = init_bbox.reshape(1, 4)
        boxes = init_bbox
        num_rand = int(cfg.get("num_init_random_boxes", 0))
        if num_rand > 0:
            square = float(init_bbox[0, 2:].prod().sqrt())
            factor = square * init_bbox.new_tensor(
                [cfg["box_jitter_pos"]] * 2 + [cfg["box_jitter_sz"]] * 2
            )
            if generator is None:
                rand = torch.rand(num_rand, 4, device=init_bbox.device)
            else:
                rand = torch.rand(num_rand, 4, generator=generator).to(init_bbox)
            jitter = (rand - 0.5) * factor
            min_edge = init_bbox[0, 2:].min() / 3
            size = (init_bbox[:, 2:] + jitter[:, 2:]).clamp(min=float(min_edge))
            boxes = torch.cat([init_bbox, torch.cat([init_bbox[:, :2] + jitter[:, :2], size], 1)])
        out, scores = self.optimize_bboxes(iou_feats, boxes)
        out[:, 2:] = out[:, 2:].clamp(min=1)
        ratio = out[:, 2] / out[:, 3]
        max_ratio = cfg.get("max_aspect_ratio", 6)
        keep = (ratio < max_ratio) & (ratio > 1 / max_ratio)
        out, scores = out[keep], scores[keep]
        if out.shape[0] == 0:
            return None
        top = torch.topk(scores, min(int(cfg.get("iounet_topk", 3)), out.shape[0])).indices
        box = out[top].mean(0)
        center = box[:2] + box[2:] / 2
        sample_size = float(self.test_cfg["img_sample_size"])
        center = (center - sample_size / 2) * scale_factor + sample_center.reshape(2)
        return torch.cat([center, box[2:] * scale_factor])
