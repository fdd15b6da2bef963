"""Precise RoI Pooling (Jiang et al., "Acquisition of Localization Confidence for
Accurate Object Detection", ECCV 2018), in pure PyTorch.

The feature map is seen as the continuous function obtained by bilinear
interpolation between pixel centres, which sit at integer coordinates
``(j, i)``, with zeros outside the map::

    f(x, y) = sum_{i, j} F[i, j] * tri(x - j) * tri(y - i),   tri(t) = max(0, 1 - |t|)

A bin ``[x1, x2] x [y1, y2]`` pools the exact mean of ``f`` over its area. The
integral separates: ``∫∫ f = sum_{i, j} F[i, j] * Ix(j) * Iy(i)`` with
``Ix(j) = T(x2 - j) - T(x1 - j)`` and ``T`` the antiderivative of ``tri``::

    T(t) = 0 (t <= -1),  (1 + t)^2 / 2 (-1 <= t <= 0),  1 - (1 - t)^2 / 2 (0 <= t <= 1),  1 (t >= 1)

so a whole roi is two small matrix products, ``Iy @ F @ Ix^T``, divided by the
bin area. Everything is differentiable: ``T`` is C1, so autograd gives the
exact gradients with respect to both the features and the box coordinates
(the ones PreciseRoIPooling's CUDA kernels compute by hand). Box conventions
follow PreciseRoIPooling and mmcv's ``PrRoIPool``: roi coordinates are
multiplied by ``spatial_scale`` with no half-pixel shift, an inverted roi has
zero size, and a bin of zero area pools 0.
"""

from __future__ import annotations

from typing import Union

import torch
from torch import Tensor, nn
from torch.nn.modules.utils import _pair

from mmtrack.registry import MODELS

from .roi_align import _check_inputs

# Bound on the elements of one intermediate (rois chunk x C x PH x W) product.
_CHUNK_ELEMENTS = 1 << 24


def _tri_antiderivative(t: Tensor) -> Tensor:
    """``T(t) = ∫_{-inf}^{t} max(0, 1 - |u|) du`` (0 below -1, 1 above 1)."""
    t = t.clamp(-1.0, 1.0)
    return torch.where(t < 0, 0.5 * (1.0 + t) ** 2, 1.0 - 0.5 * (1.0 - t) ** 2)


def _axis_weights(start: Tensor, end: Tensor, size: int) -> Tensor:
    """Integral of each pixel's hat function over each bin along one axis.

    Args:
        start: ``(K, P)`` bin starts; end: ``(K, P)`` bin ends (feature-map units).
        size: number of pixels along the axis.

    Returns:
        ``(K, P, size)`` weights ``T(end - j) - T(start - j)``.
    """
    centres = torch.arange(size, dtype=start.dtype, device=start.device)
    return _tri_antiderivative(end[..., None] - centres) - _tri_antiderivative(
        start[..., None] - centres
    )


def prroi_pool(
    features: Tensor,
    rois: Tensor,
    output_size: Union[int, tuple[int, int]],
    spatial_scale: float = 1.0,
) -> Tensor:
    """Exact average of the bilinearly interpolated features over each RoI bin.

    Args:
        features: ``(N, C, H, W)`` feature map.
        rois: ``(K, 5)`` ``[batch_idx, x1, y1, x2, y2]`` in input-image pixels
            (differentiable in the four coordinates).
        output_size: ``(PH, PW)`` or one int.
        spatial_scale: image-to-feature scale (``1 / stride``). Defaults to 1.0.

    Returns:
        ``(K, C, PH, PW)`` pooled features; bins of zero area are 0.

    Examples:
        >>> feat = torch.arange(16.).reshape(1, 1, 4, 4)  # f(x, y) = 4 y + x
        >>> rois = torch.tensor([[0., 0., 0., 2., 2.]])
        >>> prroi_pool(feat, rois, 1).item()  # value at the centre (1, 1)
        5.0
    """
    _check_inputs(features, rois, "prroi_pool")
    pooled_h, pooled_w = _pair(output_size)
    num_imgs, channels, height, width = features.shape
    num_rois = rois.size(0)
    if num_rois == 0:
        return features.new_zeros((0, channels, pooled_h, pooled_w))
    rois = rois.to(features.dtype)
    batch_inds = rois[:, 0].detach().long()

    x1 = rois[:, 1] * spatial_scale
    y1 = rois[:, 2] * spatial_scale
    x2 = rois[:, 3] * spatial_scale
    y2 = rois[:, 4] * spatial_scale
    bin_w = (x2 - x1).clamp(min=0) / pooled_w
    bin_h = (y2 - y1).clamp(min=0) / pooled_h
    steps_w = torch.arange(pooled_w, dtype=rois.dtype, device=rois.device)
    steps_h = torch.arange(pooled_h, dtype=rois.dtype, device=rois.device)
    bx1 = x1[:, None] + bin_w[:, None] * steps_w
    by1 = y1[:, None] + bin_h[:, None] * steps_h
    weights_x = _axis_weights(bx1, bx1 + bin_w[:, None], width)  # (K, PW, W)
    weights_y = _axis_weights(by1, by1 + bin_h[:, None], height)  # (K, PH, H)

    area = bin_w * bin_h
    has_area = area > 0
    inv_area = torch.where(has_area, 1.0 / torch.where(has_area, area, torch.ones_like(area)), 0)

    chunk = max(1, _CHUNK_ELEMENTS // max(1, channels * pooled_h * width))
    order = torch.argsort(batch_inds)
    sorted_batch = batch_inds[order]
    img_ids, counts = torch.unique_consecutive(sorted_batch, return_counts=True)
    if int(img_ids.min()) < 0 or int(img_ids.max()) >= num_imgs:
        raise ValueError(
            f"prroi_pool: rois[:, 0] must index the {num_imgs} feature maps, "
            f"got batch indices {img_ids.tolist()}"
        )
    outputs = []
    start = 0
    for img_id, count in zip(img_ids.tolist(), counts.tolist()):
        feat = features[img_id]  # (C, H, W)
        for lo in range(start, start + count, chunk):
            sel = order[lo : min(lo + chunk, start + count)]
            # (k, 1, PH, H) @ (C, H, W) -> (k, C, PH, W)
            rows = torch.matmul(weights_y[sel][:, None], feat)
            # (k, C, PH, W) @ (k, 1, W, PW) -> (k, C, PH, PW)
            outputs.append(torch.matmul(rows, weights_x[sel].transpose(1, 2)[:, None]))
        start += count
    pooled = torch.cat(outputs, dim=0)
    pooled = pooled[torch.argsort(order)]
    return pooled * inv_area[:, None, None, None]


@MODELS.register_module()
class PrRoIPool(nn.Module):
    """Module form of :func:`prroi_pool` (mmcv's ``PrRoIPool`` signature).

    Args:
        output_size: ``(PH, PW)`` or one int.
        spatial_scale: image-to-feature scale. Defaults to 1.0.
    """

    def __init__(self, output_size: Union[int, tuple[int, int]], spatial_scale: float = 1.0):
        super().__init__()
        self.output_size = _pair(output_size)
        self.spatial_scale = float(spatial_scale)

    def forward(self, features: Tensor, rois: Tensor) -> Tensor:
        """``(N, C, H, W)`` features, ``(K, 5)`` rois -> ``(K, C, PH, PW)``."""
        return prroi_pool(features, rois, self.output_size, self.spatial_scale)

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(output_size={self.output_size}, "
            f"spatial_scale={self.spatial_scale})"
        )
