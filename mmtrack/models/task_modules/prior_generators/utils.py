"""Helpers for anchor-based heads."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor


def anchor_inside_flags(
    flat_anchors: Tensor,
    valid_flags: Tensor,
    img_shape: Sequence[int],
    allowed_border: float = 0,
) -> Tensor:
    """Valid anchors that also lie inside the image up to ``allowed_border`` pixels.

    Args:
        flat_anchors: ``(N, 4)`` x1y1x2y2 anchors.
        valid_flags: ``(N,)`` bool flags from ``valid_flags``.
        img_shape: ``(h, w)`` of the image.
        allowed_border: how far anchors may stick out; negative means no
            check. Defaults to 0.

    Returns:
        ``(N,)`` bool flags.
    """
    img_h, img_w = img_shape[:2]
    if allowed_border < 0:
        return valid_flags
    return (
        valid_flags
        & (flat_anchors[:, 0] >= -allowed_border)
        & (flat_anchors[:, 1] >= -allowed_border)
        & (flat_anchors[:, 2] < img_w + allowed_border)
        & (flat_anchors[:, 3] < img_h + allowed_border)
    )


def images_to_levels(target: Sequence[Tensor], num_level_anchors: Sequence[int]) -> list[Tensor]:
    """Per-image targets ``[(N, ...)] * B`` -> per-level ``[(B, N_l, ...)]``."""
    stacked = torch.stack(list(target), 0)
    level_targets = []
    start = 0
    for n in num_level_anchors:
        level_targets.append(stacked[:, start : start + n])
        start += n
    return level_targets
