"""OSTrack's centre head: score, size and offset maps on the search-token grid."""

from __future__ import annotations

from typing import Optional

import numpy as np
import torch
from mmengine.model import BaseModule
from torch import Tensor, nn

from mmtrack.registry import MODELS


def _conv_bn_relu(in_channels: int, out_channels: int) -> nn.Sequential:
    """``3x3 conv (bias) -> BN -> ReLU``; indices 0 and 1 as in OSTrack's ``conv``."""
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1, bias=True),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(inplace=True),
    )


def gaussian_radius(wh: Tensor, min_overlap: float = 0.7) -> Tensor:
    """CornerNet's Gaussian radius, in the form OSTrack uses.

    The smallest of the three quadratic roots ``(b + sqrt(b^2 - 4ac)) / 2``
    with ``(a, b, c)`` = ``(1, h + w, w h (1 - o) / (1 + o))``,
    ``(4, 2 (h + w), (1 - o) w h)`` and ``(4 o, -2 o (h + w), (o - 1) w h)``
    (CornerNet's original, not divided by ``2a``: OSTrack's "bug version").

    Args:
        wh: ``(N, 2)`` box sizes in heatmap cells.
        min_overlap: IoU a box shifted by the radius keeps. Defaults to 0.7.

    Returns:
        ``(N,)`` radii (float).
    """
    w, h = wh[..., 0], wh[..., 1]
    o = min_overlap
    b1, c1 = h + w, w * h * (1 - o) / (1 + o)
    r1 = (b1 + torch.sqrt(b1**2 - 4 * c1)) / 2
    b2, c2 = 2 * (h + w), (1 - o) * w * h
    r2 = (b2 + torch.sqrt(b2**2 - 16 * c2)) / 2
    a3, b3, c3 = 4 * o, -2 * o * (h + w), (o - 1) * w * h
    r3 = (b3 + torch.sqrt(b3**2 - 4 * a3 * c3)) / 2
    return torch.min(r1, torch.min(r2, r3))


def gaussian_heatmap(boxes: Tensor, feat_size: int, min_overlap: float = 0.7) -> Tensor:
    """CenterNet heatmap of one box per sample (OSTrack's ``generate_heatmap``).

    The box centre is rounded to a cell; a ``(2r + 1)^2`` Gaussian with
    ``sigma = (2r + 1) / 6`` and ``r = int(gaussian_radius)`` is drawn there
    (peak exactly 1).

    Args:
        boxes: ``(B, 4)`` x1y1x2y2 boxes normalised by the search size.
        feat_size: Heatmap side.
        min_overlap: See :func:`gaussian_radius`. Defaults to 0.7.

    Returns:
        ``(B, 1, feat_size, feat_size)`` heatmaps.
    """
    cells = boxes.detach().float().cpu() * feat_size
    wh = cells[:, 2:] - cells[:, :2]
    centers = torch.round(cells[:, :2] + wh / 2)
    radii = gaussian_radius(wh, min_overlap).clamp(min=0).to(torch.int64)
    heat = torch.zeros(len(boxes), 1, feat_size, feat_size)
    for i, (center, radius) in enumerate(zip(centers.tolist(), radii.tolist())):
        sigma = (2 * radius + 1) / 6
        y, x = np.ogrid[-radius : radius + 1, -radius : radius + 1]
        g = np.exp(-(x * x + y * y) / (2 * sigma * sigma))
        g[g < np.finfo(g.dtype).eps * g.max()] = 0
        cx, cy = int(center[0]), int(center[1])
        left, right = min(cx, radius), min(feat_size - cx, radius + 1)
        top, bottom = min(cy, radius), min(feat_size - cy, radius + 1)
        if left + right <= 0 or top + bottom <= 0:
            continue
        patch = torch.from_numpy(
            g[radius - top : radius + bottom, radius - left : radius + right]
        ).float()
        region = heat[i, 0, cy - top : cy + bottom, cx - left : cx + right]
        heat[i, 0, cy - top : cy + bottom, cx - left : cx + right] = torch.max(region, patch)
    return heat.to(boxes.device)


def hann2d(size: int, device: Optional[torch.device] = None) -> Tensor:
    """Centred 2-D Hann window ``(1, 1, size, size)`` (OSTrack's ``hann2d``).

    ``w[i] = 0.5 (1 - cos(2 pi i / (size + 1)))`` for ``i = 1..size``, outer product.
    """
    i = torch.arange(1, size + 1, dtype=torch.float32, device=device)
    w = 0.5 * (1 - torch.cos(2 * torch.pi * i / (size + 1)))
    return (w[:, None] * w[None, :])[None, None]


@MODELS.register_module()
class CenterHead(BaseModule):
    """Centre head of OSTrack (``CenterPredictor``).

    Three parallel branches over the ``(B, C, F, F)`` search feature map, each
    four ``3x3 conv + BN + ReLU`` (``C -> c -> c/2 -> c/4 -> c/8``) and a
    ``1x1`` conv: ``ctr`` (1 channel, sigmoid: target-centre score), ``size``
    (2, sigmoid: box ``w, h`` over the search size) and ``offset`` (2, raw:
    sub-cell centre offset). The box at cell ``(i, j)`` is
    ``cx = (j + off_x) / F``, ``cy = (i + off_y) / F``, ``w, h`` (normalised).

    Args:
        in_channels: Feature channels (768 for ViT-B).
        feat_channels: Width ``c`` of the first conv. Defaults to 256.
        feat_size: Map side ``F`` (search size / stride).
        min_overlap: Gaussian-radius overlap of the heatmap target. Defaults to 0.7.
        loss_cls: Heatmap loss. Defaults to ``GaussianFocalLoss`` (weight 1).
        loss_bbox: Box loss. Defaults to ``GIoULoss`` (weight 2).
        loss_l1: L1 box loss. Defaults to ``L1Loss`` (weight 5).
        init_cfg: Initialisation config. Defaults to None (Xavier-uniform
            on every weight of dim > 1, as OSTrack).
    """

    def __init__(
        self,
        in_channels: int = 768,
        feat_channels: int = 256,
        feat_size: int = 16,
        min_overlap: float = 0.7,
        loss_cls: Optional[dict] = None,
        loss_bbox: Optional[dict] = None,
        loss_l1: Optional[dict] = None,
        init_cfg: Optional[dict] = None,
    ) -> None:
        super().__init__(init_cfg)
        if feat_channels % 8:
            raise ValueError(f"CenterHead: feat_channels {feat_channels} must be divisible by 8")
        self.feat_size = feat_size
        self.min_overlap = min_overlap
        widths = [
            in_channels,
            feat_channels,
            feat_channels // 2,
            feat_channels // 4,
            feat_channels // 8,
        ]
        for branch, out in (("ctr", 1), ("offset", 2), ("size", 2)):
            for k in range(4):
                self.add_module(f"conv{k + 1}_{branch}", _conv_bn_relu(widths[k], widths[k + 1]))
            self.add_module(f"conv5_{branch}", nn.Conv2d(widths[4], out, kernel_size=1))
        self.loss_cls = MODELS.build(loss_cls or dict(type="GaussianFocalLoss", loss_weight=1.0))
        self.loss_bbox = MODELS.build(loss_bbox or dict(type="GIoULoss", loss_weight=2.0))
        self.loss_l1 = MODELS.build(loss_l1 or dict(type="L1Loss", loss_weight=5.0))

    def init_weights(self) -> None:
        """Xavier-uniform on every weight with more than one dimension."""
        super().init_weights()
        if self.init_cfg is None:
            for p in self.parameters():
                if p.dim() > 1:
                    nn.init.xavier_uniform_(p)

    def _branch(self, x: Tensor, name: str) -> Tensor:
        for k in range(1, 6):
            x = getattr(self, f"conv{k}_{name}")(x)
        return x

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """Maps of a ``(B, C, F, F)`` feature.

        Returns:
            ``score (B, 1, F, F)`` and ``size (B, 2, F, F)`` in
            ``[1e-4, 1 - 1e-4]``, ``offset (B, 2, F, F)``.
        """
        if x.shape[-2:] != (self.feat_size, self.feat_size):
            raise ValueError(
                f"CenterHead: expects a {self.feat_size}x{self.feat_size} map, got "
                f"{tuple(x.shape[-2:])}"
            )
        score = self._branch(x, "ctr").sigmoid().clamp(1e-4, 1 - 1e-4)
        size = self._branch(x, "size").sigmoid().clamp(1e-4, 1 - 1e-4)
        return score, size, self._branch(x, "offset")

    def decode(self, score: Tensor, size: Tensor, offset: Tensor) -> tuple[Tensor, Tensor]:
        """Box at the best cell of ``score`` (OSTrack's ``cal_bbox``).

        Args:
            score: ``(B, 1, F, F)`` (possibly Hann-weighted) score map.
            size: ``(B, 2, F, F)`` size map.
            offset: ``(B, 2, F, F)`` offset map.

        Returns:
            ``(boxes (B, 4) cx, cy, w, h normalised by the search size,
            scores (B,) the maximum of score)``.
        """
        f = self.feat_size
        best, idx = score.flatten(1).max(dim=1)
        gather = idx[:, None, None].expand(-1, 2, 1)
        wh = size.flatten(2).gather(2, gather).squeeze(-1)
        off = offset.flatten(2).gather(2, gather).squeeze(-1)
        cx = ((idx % f).to(off.dtype) + off[:, 0]) / f
        cy = (torch.div(idx, f, rounding_mode="floor").to(off.dtype) + off[:, 1]) / f
        return torch.stack([cx, cy, wh[:, 0], wh[:, 1]], dim=1), best

    def loss(
        self, score: Tensor, size: Tensor, offset: Tensor, gt_boxes: Tensor
    ) -> dict[str, Tensor]:
        """OSTrack's losses: focal on the heatmap, GIoU and L1 on the decoded box.

        The box is decoded at the argmax of the predicted score map; the
        ground truth is clamped to ``[0, 1]``.

        Args:
            score, size, offset: Head outputs (see :meth:`forward`).
            gt_boxes: ``(B, 4)`` x1y1x2y2 boxes normalised by the search size.

        Returns:
            ``loss_cls``, ``loss_bbox`` (GIoU), ``loss_l1`` and ``iou``
            (mean IoU of the decoded boxes, a detached statistic).
        """
        target = gaussian_heatmap(gt_boxes, self.feat_size, self.min_overlap).to(score)
        num_pos = float(target.eq(1).sum())
        loss_cls = self.loss_cls(score, target, avg_factor=max(num_pos, 1.0))
        boxes, _ = self.decode(score, size, offset)
        pred = torch.cat([boxes[:, :2] - boxes[:, 2:] / 2, boxes[:, :2] + boxes[:, 2:] / 2], 1)
        gt = gt_boxes.clamp(0.0, 1.0)
        with torch.no_grad():
            from mmtrack.models.losses.iou_loss import aligned_bbox_overlaps

            iou = aligned_bbox_overlaps(pred, gt).mean()
        return dict(
            loss_cls=loss_cls,
            loss_bbox=self.loss_bbox(pred, gt),
            loss_l1=self.loss_l1(pred, gt),
            iou=iou,
        )
