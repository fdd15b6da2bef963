"""Multi-scale deformable attention (Deformable DETR) in pure PyTorch.

The same computation as mmcv's ``multi_scale_deformable_attn_pytorch`` (the
CPU path of its CUDA op): every query samples ``num_points`` locations on
every level of a multi-scale value map with bilinear interpolation
(``grid_sample``, ``align_corners=False``, zero padding outside the map) and
sums them with its attention weights. Exact and differentiable with respect to
the value, the sampling locations and the weights, on any device.
"""

from __future__ import annotations

from typing import Sequence, Union

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = ["multi_scale_deformable_attn"]

SpatialShapes = Union[Tensor, Sequence[Sequence[int]]]


def _level_shapes(spatial_shapes: SpatialShapes) -> list[tuple[int, int]]:
    """``(num_levels, 2)`` tensor or nested sequence -> ``[(h, w), ...]``."""
    if isinstance(spatial_shapes, Tensor):
        if spatial_shapes.dim() != 2 or spatial_shapes.shape[1] != 2:
            raise ValueError(
                "multi_scale_deformable_attn: spatial_shapes must have shape "
                f"(num_levels, 2), got {tuple(spatial_shapes.shape)}"
            )
        return [(int(h), int(w)) for h, w in spatial_shapes.tolist()]
    shapes = [tuple(int(v) for v in hw) for hw in spatial_shapes]
    if any(len(hw) != 2 for hw in shapes):
        raise ValueError(
            f"multi_scale_deformable_attn: spatial_shapes must be (h, w) pairs, got {shapes}"
        )
    return shapes  # type: ignore[return-value]


def multi_scale_deformable_attn(
    value: Tensor,
    spatial_shapes: SpatialShapes,
    sampling_locations: Tensor,
    attention_weights: Tensor,
) -> Tensor:
    """Sample a multi-scale value map at given locations and sum with weights.

    Args:
        value: ``(B, S, num_heads, C)``: the flattened maps of all levels,
            level after level, each row-major ``(h_l, w_l)``, so that
            ``S = sum_l h_l * w_l``.
        spatial_shapes: ``(num_levels, 2)`` ``(h_l, w_l)`` of every level
            (long tensor or nested sequence).
        sampling_locations: ``(B, Q, num_heads, num_levels, num_points, 2)``
            normalised ``(x, y)`` in ``[0, 1]`` of each level's map (0 and 1
            are the outer edges of the first and last pixel, so pixel ``j``
            has its centre at ``(j + 0.5) / w_l``); locations outside read
            zeros.
        attention_weights: ``(B, Q, num_heads, num_levels, num_points)``.

    Returns:
        ``(B, Q, num_heads * C)``: for each head, the weighted sum of its
        samples, the heads concatenated.

    Raises:
        ValueError: ``spatial_shapes`` does not add up to ``S``, or the
            location / weight shapes do not agree with ``value`` and the
            number of levels.
    """
    shapes = _level_shapes(spatial_shapes)
    if value.dim() != 4:
        raise ValueError(
            "multi_scale_deformable_attn: value must be (B, S, num_heads, C), "
            f"got shape {tuple(value.shape)}"
        )
    bs, num_value, num_heads, channels = value.shape
    total = sum(h * w for h, w in shapes)
    if total != num_value:
        raise ValueError(
            f"multi_scale_deformable_attn: spatial_shapes {shapes} give "
            f"sum(h * w) = {total} values per image, but value has {num_value} (dim 1 "
            f"of shape {tuple(value.shape)})"
        )
    if (
        sampling_locations.dim() != 6
        or sampling_locations.shape[0] != bs
        or sampling_locations.shape[2] != num_heads
        or sampling_locations.shape[3] != len(shapes)
        or sampling_locations.shape[5] != 2
    ):
        raise ValueError(
            "multi_scale_deformable_attn: sampling_locations must be (B, Q, num_heads, "
            f"num_levels, num_points, 2) = ({bs}, Q, {num_heads}, {len(shapes)}, P, 2), got "
            f"{tuple(sampling_locations.shape)}"
        )
    if attention_weights.shape != sampling_locations.shape[:-1]:
        raise ValueError(
            "multi_scale_deformable_attn: attention_weights must have shape "
            f"{tuple(sampling_locations.shape[:-1])} (sampling_locations without its last "
            f"dim), got {tuple(attention_weights.shape)}"
        )
    num_query, num_points = sampling_locations.shape[1], sampling_locations.shape[4]
    # grid_sample wants [-1, 1] with align_corners=False: -1 / 1 are the outer pixel edges
    grids = sampling_locations * 2.0 - 1.0
    per_level = value.split([h * w for h, w in shapes], dim=1)
    samples = []
    for level, (h, w) in enumerate(shapes):
        # (B, h*w, heads, C) -> (B*heads, C, h, w)
        value_l = per_level[level].permute(0, 2, 3, 1).reshape(bs * num_heads, channels, h, w)
        # (B, Q, heads, P, 2) -> (B*heads, Q, P, 2)
        grid_l = grids[:, :, :, level].transpose(1, 2).reshape(
            bs * num_heads, num_query, num_points, 2
        )
        samples.append(
            F.grid_sample(
                value_l, grid_l, mode="bilinear", padding_mode="zeros", align_corners=False
            )
        )  # (B*heads, C, Q, P)
    # (B*heads, C, Q, levels*P)
    stacked = torch.stack(samples, dim=-2).flatten(-2)
    # (B, Q, heads, levels, P) -> (B*heads, 1, Q, levels*P)
    weights = attention_weights.transpose(1, 2).reshape(
        bs * num_heads, 1, num_query, len(shapes) * num_points
    )
    out = (stacked * weights).sum(-1)  # (B*heads, C, Q)
    return out.view(bs, num_heads * channels, num_query).transpose(1, 2).contiguous()
