"""Point sampling of mask logits (mmcv's ``point_sample``, MMDetection's
``get_uncertain_point_coords_with_randomness``), as Mask2Former trains on."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def point_sample(input: Tensor, point_coords: Tensor, align_corners: bool = False) -> Tensor:
    """Bilinear values of ``input`` at normalised points.

    Args:
        input: ``(N, C, H, W)`` feature or mask logits.
        point_coords: ``(N, P, 2)`` points ``(x, y)`` in ``[0, 1]`` relative
            to the image (``(0, 0)`` the top-left corner of the top-left
            pixel, ``(1, 1)`` the bottom-right corner of the last one).
        align_corners: as :func:`torch.nn.functional.grid_sample`.
            Defaults to False.

    Returns:
        ``(N, C, P)``; points outside the image read zeros.
    """
    if input.dim() != 4 or point_coords.dim() != 3 or point_coords.size(-1) != 2:
        raise ValueError(
            "point_sample: input must be (N, C, H, W) and point_coords (N, P, 2), got "
            f"{tuple(input.shape)} and {tuple(point_coords.shape)}"
        )
    grid = (2.0 * point_coords - 1.0).unsqueeze(2).to(input.dtype)
    return F.grid_sample(input, grid, align_corners=align_corners).squeeze(3)


def get_uncertain_point_coords_with_randomness(
    mask_preds: Tensor,
    labels: Tensor | None,
    num_points: int,
    oversample_ratio: float,
    importance_sample_ratio: float,
) -> Tensor:
    """Points where the masks are most uncertain, plus random ones (PointRend).

    ``int(num_points * oversample_ratio)`` random points are drawn per mask;
    the ``int(importance_sample_ratio * num_points)`` of them whose logit is
    closest to 0 (uncertainty ``-|logit|``) are kept and the remaining
    points are drawn uniformly at random.

    Args:
        mask_preds: ``(N, C, H, W)`` mask logits; with ``C > 1`` the channel
            of ``labels`` is used.
        labels: ``(N,)`` channel of each mask, or None when ``C == 1``.
        num_points: points per mask.
        oversample_ratio: oversampling factor (>= 1).
        importance_sample_ratio: share of uncertain points, in ``[0, 1]``.

    Returns:
        ``(N, num_points, 2)`` points ``(x, y)`` in ``[0, 1]``.
    """
    if oversample_ratio < 1 or not 0 <= importance_sample_ratio <= 1:
        raise ValueError(
            "get_uncertain_point_coords_with_randomness: oversample_ratio must be >= 1 and "
            f"importance_sample_ratio in [0, 1], got {oversample_ratio}, {importance_sample_ratio}"
        )
    n = mask_preds.size(0)
    num_sampled = int(num_points * oversample_ratio)
    coords = torch.rand(n, num_sampled, 2, device=mask_preds.device)
    logits = point_sample(mask_preds, coords)
    if labels is None or mask_preds.size(1) == 1:
        logits = logits[:, :1]
    else:
        logits = logits[torch.arange(n, device=logits.device), labels].unsqueeze(1)
    uncertainty = -logits.abs()
    num_uncertain = int(importance_sample_ratio * num_points)
    idx = torch.topk(uncertainty[:, 0, :], k=num_uncertain, dim=1)[1]
    coords = torch.gather(coords, 1, idx[..., None].expand(-1, -1, 2))
    num_random = num_points - num_uncertain
    if num_random > 0:
        coords = torch.cat((coords, torch.rand(n, num_random, 2, device=mask_preds.device)), 1)
    return coords
