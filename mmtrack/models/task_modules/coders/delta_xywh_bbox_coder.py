"""R-CNN box coder: (dx, dy, dw, dh) deltas of x1y1x2y2 boxes."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Optional, Union

import torch
from torch import Tensor

from mmtrack.registry import TASK_UTILS

from .base_bbox_coder import BaseBBoxCoder

MaxShape = Union[Sequence[int], Tensor, Sequence[Sequence[int]], None]


def bbox2delta(
    proposals: Tensor,
    gt: Tensor,
    means: Sequence[float] = (0.0, 0.0, 0.0, 0.0),
    stds: Sequence[float] = (1.0, 1.0, 1.0, 1.0),
) -> Tensor:
    """Deltas of ``gt`` relative to ``proposals`` (both ``(..., 4)`` x1y1x2y2).

    ``dx = (gx - px) / pw``, ``dy = (gy - py) / ph``, ``dw = log(gw / pw)``,
    ``dh = log(gh / ph)`` (centres and sizes without ``+1``), then
    ``(delta - means) / stds``.

    Returns:
        ``(..., 4)`` float deltas.
    """
    if proposals.size() != gt.size():
        raise ValueError(
            f"bbox2delta: proposals {tuple(proposals.shape)} and gt {tuple(gt.shape)} differ"
        )
    proposals = proposals.float()
    gt = gt.float()
    pxy = (proposals[..., :2] + proposals[..., 2:]) * 0.5
    pwh = proposals[..., 2:] - proposals[..., :2]
    gxy = (gt[..., :2] + gt[..., 2:]) * 0.5
    gwh = gt[..., 2:] - gt[..., :2]
    dxy = (gxy - pxy) / pwh
    dwh = torch.log(gwh / pwh)
    deltas = torch.cat([dxy, dwh], dim=-1)
    means_t = deltas.new_tensor(means)
    stds_t = deltas.new_tensor(stds)
    return (deltas - means_t) / stds_t


def _clip_to_shape(bboxes: Tensor, max_shape: MaxShape) -> Tensor:
    """Clamp ``(..., K*4)`` boxes to ``max_shape`` ``(H, W[, C])`` (per image if batched)."""
    if isinstance(max_shape, Tensor):
        shape = max_shape.to(bboxes)
        if shape.dim() == 1:
            h, w = shape[0], shape[1]
        else:  # (B, 2+) -> per-image bounds of (B, N, K*4)
            h, w = shape[:, 0].view(-1, 1, 1), shape[:, 1].view(-1, 1, 1)
    elif len(max_shape) > 0 and isinstance(max_shape[0], (list, tuple)):
        hw = bboxes.new_tensor([[s[0], s[1]] for s in max_shape])
        h, w = hw[:, 0].view(-1, 1, 1), hw[:, 1].view(-1, 1, 1)
    else:
        h, w = bboxes.new_tensor(float(max_shape[0])), bboxes.new_tensor(float(max_shape[1]))
    zero = bboxes.new_tensor(0.0)
    x = torch.minimum(torch.maximum(bboxes[..., 0::2], zero), w)
    y = torch.minimum(torch.maximum(bboxes[..., 1::2], zero), h)
    return torch.stack([x, y], dim=-1).reshape(bboxes.shape)


def delta2bbox(
    rois: Tensor,
    deltas: Tensor,
    means: Sequence[float] = (0.0, 0.0, 0.0, 0.0),
    stds: Sequence[float] = (1.0, 1.0, 1.0, 1.0),
    max_shape: MaxShape = None,
    wh_ratio_clip: float = 16 / 1000,
    clip_border: bool = True,
    add_ctr_clamp: bool = False,
    ctr_clamp: float = 32,
) -> Tensor:
    """Apply deltas to boxes (inverse of :func:`bbox2delta`).

    Args:
        rois: ``(N, 4)`` or ``(B, N, 4)`` boxes.
        deltas: ``(N, K*4)`` or ``(B, N, K*4)`` deltas (``K`` classes).
        means: de-normalisation means. Defaults to zeros.
        stds: de-normalisation stds. Defaults to ones.
        max_shape: ``(H, W[, C])`` bounds (a list of them, or a ``(B, 2)``
            tensor, for batched input). Defaults to None.
        wh_ratio_clip: ``|dw|, |dh|`` are clamped to ``|log(wh_ratio_clip)|``.
            Defaults to 16 / 1000.
        clip_border: clamp to ``max_shape``. Defaults to True.
        add_ctr_clamp: clamp the centre shift to ``ctr_clamp`` pixels (and
            only the upper side of dw/dh), as YOLOF. Defaults to False.
        ctr_clamp: largest centre shift in pixels. Defaults to 32.

    Returns:
        Boxes with the shape of ``deltas``.
    """
    if deltas.numel() == 0 or deltas.size(-2) == 0:
        return deltas.new_zeros(deltas.shape)
    shape = deltas.shape
    num_classes = shape[-1] // 4
    d = deltas.reshape(*shape[:-1], num_classes, 4)
    d = d * d.new_tensor(stds) + d.new_tensor(means)
    dxy, dwh = d[..., :2], d[..., 2:]
    r = rois.to(d.dtype)[..., None, :]
    pxy = (r[..., :2] + r[..., 2:]) * 0.5
    pwh = r[..., 2:] - r[..., :2]
    dxy_wh = pwh * dxy
    max_ratio = abs(math.log(wh_ratio_clip))
    if add_ctr_clamp:
        dxy_wh = torch.clamp(dxy_wh, max=ctr_clamp, min=-ctr_clamp)
        dwh = torch.clamp(dwh, max=max_ratio)
    else:
        dwh = dwh.clamp(min=-max_ratio, max=max_ratio)
    gxy = pxy + dxy_wh
    gwh = pwh * dwh.exp()
    bboxes = torch.cat([gxy - gwh * 0.5, gxy + gwh * 0.5], dim=-1).reshape(shape)
    if clip_border and max_shape is not None:
        bboxes = _clip_to_shape(bboxes, max_shape)
    return bboxes


@TASK_UTILS.register_module()
class DeltaXYWHBBoxCoder(BaseBBoxCoder):
    """Encode boxes as normalised centre/size deltas (R-CNN).

    Args:
        target_means: means subtracted from the deltas. Defaults to zeros.
        target_stds: stds the deltas are divided by. Defaults to ones
            (R-CNN box heads use ``(0.1, 0.1, 0.2, 0.2)``).
        clip_border: clip decoded boxes to the image. Defaults to True.
        add_ctr_clamp: clamp the centre shift (YOLOF). Defaults to False.
        ctr_clamp: largest centre shift in pixels. Defaults to 32.

    Examples:
        >>> import torch
        >>> coder = DeltaXYWHBBoxCoder()
        >>> rois = torch.tensor([[0., 0., 10., 10.]])
        >>> gt = torch.tensor([[5., 5., 25., 15.]])
        >>> delta = coder.encode(rois, gt)
        >>> delta
        tensor([[1.0000, 0.5000, 0.6931, 0.0000]])
        >>> coder.decode(rois, delta)
        tensor([[ 5.,  5., 25., 15.]])
    """

    def __init__(
        self,
        target_means: Sequence[float] = (0.0, 0.0, 0.0, 0.0),
        target_stds: Sequence[float] = (1.0, 1.0, 1.0, 1.0),
        clip_border: bool = True,
        add_ctr_clamp: bool = False,
        ctr_clamp: float = 32,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        if len(target_means) != 4 or len(target_stds) != 4:
            raise ValueError(
                "DeltaXYWHBBoxCoder: target_means and target_stds need 4 values, got "
                f"{list(target_means)} and {list(target_stds)}"
            )
        self.means = tuple(float(m) for m in target_means)
        self.stds = tuple(float(s) for s in target_stds)
        self.clip_border = clip_border
        self.add_ctr_clamp = add_ctr_clamp
        self.ctr_clamp = ctr_clamp

    def encode(self, bboxes: Tensor, gt_bboxes: Tensor) -> Tensor:
        """``(N, 4)`` deltas that move ``bboxes`` ``(N, 4)`` onto ``gt_bboxes`` ``(N, 4)``."""
        if bboxes.size(0) != gt_bboxes.size(0) or bboxes.size(-1) != 4:
            raise ValueError(
                "DeltaXYWHBBoxCoder.encode: need matching (N, 4) boxes, got "
                f"{tuple(bboxes.shape)} and {tuple(gt_bboxes.shape)}"
            )
        return bbox2delta(bboxes, gt_bboxes, self.means, self.stds)

    def decode(
        self,
        bboxes: Tensor,
        pred_bboxes: Tensor,
        max_shape: MaxShape = None,
        wh_ratio_clip: Optional[float] = 16 / 1000,
    ) -> Tensor:
        """Decode ``pred_bboxes`` ``(N, K*4)`` (or ``(B, N, K*4)``) on ``bboxes`` ``(N, 4)``.

        Args:
            bboxes: ``(N, 4)`` or ``(B, N, 4)`` priors.
            pred_bboxes: deltas, ``K*4`` per prior.
            max_shape: ``(H, W)`` bounds for clipping. Defaults to None.
            wh_ratio_clip: aspect clip of the deltas. Defaults to 16 / 1000.

        Returns:
            Decoded x1y1x2y2 boxes, shaped like ``pred_bboxes``.
        """
        if pred_bboxes.size(0) != bboxes.size(0) or (
            pred_bboxes.dim() == 3 and pred_bboxes.size(1) != bboxes.size(1)
        ):
            raise ValueError(
                "DeltaXYWHBBoxCoder.decode: priors and deltas do not match: "
                f"{tuple(bboxes.shape)} vs {tuple(pred_bboxes.shape)}"
            )
        return delta2bbox(
            bboxes,
            pred_bboxes,
            self.means,
            self.stds,
            max_shape,
            16 / 1000 if wh_ratio_clip is None else wh_ratio_clip,
            self.clip_border,
            self.add_ctr_clamp,
            self.ctr_clamp,
        )
