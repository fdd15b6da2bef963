"""Multi-scale deformable attention module (mmcv's ``MultiScaleDeformableAttention``).

Same parameters (``sampling_offsets``, ``attention_weights``, ``value_proj``,
``output_proj``), initialisation and forward as mmcv 2.x, on the project's
pure-PyTorch op :func:`mmtrack.ops.multi_scale_deformable_attn`.
"""

from __future__ import annotations

import math
from typing import Any, Optional

import torch
from mmengine.model import BaseModule, constant_init, xavier_init
from torch import Tensor, nn

from mmtrack.ops.ms_deform_attn import multi_scale_deformable_attn
from mmtrack.registry import MODELS

__all__ = ["MultiScaleDeformableAttention"]


@MODELS.register_module()
class MultiScaleDeformableAttention(BaseModule):
    """Deformable DETR attention: each query attends to a few sampled points per level.

    For a query ``q`` with reference point ``p`` (normalised ``(x, y)``), head
    ``m``, level ``l`` and point ``k``, the sampling location is
    ``p + sampling_offsets(q)[m, l, k] / (w_l, h_l)`` and the output is
    ``output_proj(sum_{l,k} softmax(attention_weights(q))[m, l, k] *
    bilinear(value_proj(value)_l, location))`` plus the identity (residual).

    Args:
        embed_dims: channels of query and value. Defaults to 256.
        num_heads: attention heads (``embed_dims`` must divide by it).
            Defaults to 8.
        num_levels: feature levels. Defaults to 4.
        num_points: sampling points per query, head and level. Defaults to 4.
        im2col_step: kept for config compatibility with mmcv's CUDA op
            (unused). Defaults to 64.
        dropout: dropout on the output before the residual. Defaults to 0.1.
        batch_first: query / value are ``(B, N, C)``; else ``(N, B, C)``.
            Defaults to False.
        norm_cfg: kept for config compatibility (unused, as in mmcv).
            Defaults to None.
        init_cfg: initialisation config. Defaults to None.
        value_proj_ratio: ``value_proj`` output channels over
            ``embed_dims``. Defaults to 1.0.
    """

    def __init__(
        self,
        embed_dims: int = 256,
        num_heads: int = 8,
        num_levels: int = 4,
        num_points: int = 4,
        im2col_step: int = 64,
        dropout: float = 0.1,
        batch_first: bool = False,
        norm_cfg: Optional[dict] = None,
        init_cfg: Optional[dict] = None,
        value_proj_ratio: float = 1.0,
    ) -> None:
        super().__init__(init_cfg)
        if embed_dims % num_heads != 0:
            raise ValueError(
                "MultiScaleDeformableAttention: embed_dims must be divisible by num_heads, "
                f"got embed_dims={embed_dims}, num_heads={num_heads}"
            )
        self.embed_dims = embed_dims
        self.num_heads = num_heads
        self.num_levels = num_levels
        self.num_points = num_points
        self.im2col_step = im2col_step
        self.batch_first = batch_first
        self.norm_cfg = norm_cfg
        self.dropout = nn.Dropout(dropout)
        self.sampling_offsets = nn.Linear(embed_dims, num_heads * num_levels * num_points * 2)
        self.attention_weights = nn.Linear(embed_dims, num_heads * num_levels * num_points)
        value_dims = int(embed_dims * value_proj_ratio)
        if value_dims % num_heads != 0:
            raise ValueError(
                "MultiScaleDeformableAttention: embed_dims * value_proj_ratio must be "
                f"divisible by num_heads, got {value_dims} and {num_heads}"
            )
        self.value_proj = nn.Linear(embed_dims, value_dims)
        self.output_proj = nn.Linear(value_dims, embed_dims)
        self.init_weights()

    def init_weights(self) -> None:
        """mmcv's initialisation.

        ``sampling_offsets``: zero weights, bias = head ``m``'s direction
        ``(cos, sin)(2 pi m / num_heads)`` scaled so that its larger component
        is 1, times ``k + 1`` for point ``k`` (rings of points around the
        reference). ``attention_weights``: zeros (uniform softmax).
        ``value_proj`` / ``output_proj``: Xavier uniform, zero bias.
        """
        constant_init(self.sampling_offsets, 0.0)
        thetas = torch.arange(self.num_heads, dtype=torch.float32) * (
            2.0 * math.pi / self.num_heads
        )
        grid = torch.stack([thetas.cos(), thetas.sin()], -1)
        grid = grid / grid.abs().max(-1, keepdim=True)[0]
        grid = grid.view(self.num_heads, 1, 1, 2).repeat(1, self.num_levels, self.num_points, 1)
        grid = grid * torch.arange(1, self.num_points + 1, dtype=torch.float32).view(1, 1, -1, 1)
        with torch.no_grad():
            self.sampling_offsets.bias.copy_(grid.reshape(-1))
        constant_init(self.attention_weights, val=0.0, bias=0.0)
        xavier_init(self.value_proj, distribution="uniform", bias=0.0)
        xavier_init(self.output_proj, distribution="uniform", bias=0.0)
        self._is_init = True

    def forward(
        self,
        query: Tensor,
        key: Optional[Tensor] = None,
        value: Optional[Tensor] = None,
        identity: Optional[Tensor] = None,
        query_pos: Optional[Tensor] = None,
        key_padding_mask: Optional[Tensor] = None,
        reference_points: Optional[Tensor] = None,
        spatial_shapes: Optional[Tensor] = None,
        level_start_index: Optional[Tensor] = None,
        **kwargs: Any,
    ) -> Tensor:
        """Attend.

        Args:
            query: ``(B, Q, C)`` (``batch_first``) or ``(Q, B, C)``.
            key: unused (the keys are the sampled values), as in mmcv.
            value: ``(B, S, C)`` or ``(S, B, C)``, all levels flattened;
                defaults to ``query``.
            identity: the residual, shaped as ``query``; defaults to ``query``
                (before ``query_pos`` is added).
            query_pos: positional encoding added to ``query``.
            key_padding_mask: ``(B, S)`` bool, True where ``value`` is padding
                (zeroed).
            reference_points: ``(B, Q, num_levels, 2)`` normalised ``(x, y)``,
                or ``(B, Q, num_levels, 4)`` boxes ``(cx, cy, w, h)``
                normalised (offsets then scale with half the box size over
                ``num_points``).
            spatial_shapes: ``(num_levels, 2)`` long ``(h_l, w_l)``.
            level_start_index: ``(num_levels,)``; unused (the op splits by
                ``spatial_shapes``), kept for mmcv's signature.
            **kwargs: ignored (e.g. ``valid_ratios``).

        Returns:
            Shaped as ``query``: ``dropout(output) + identity``.

        Raises:
            ValueError: missing ``reference_points`` / ``spatial_shapes``, a
                bad last dimension of ``reference_points``, or
                ``spatial_shapes`` not matching the length of ``value``.
        """
        if reference_points is None or spatial_shapes is None:
            raise ValueError(
                "MultiScaleDeformableAttention: reference_points and spatial_shapes are required"
            )
        if value is None:
            value = query
        if identity is None:
            identity = query
        if query_pos is not None:
            query = query + query_pos
        if not self.batch_first:
            query = query.transpose(0, 1)
            value = value.transpose(0, 1)
        bs, num_query, _ = query.shape
        num_value = value.shape[1]
        shapes = spatial_shapes if isinstance(spatial_shapes, Tensor) else torch.as_tensor(
            spatial_shapes, device=query.device
        )
        if shapes.dim() != 2 or shapes.shape[0] != self.num_levels or shapes.shape[1] != 2:
            raise ValueError(
                f"MultiScaleDeformableAttention: spatial_shapes must be ({self.num_levels}, 2) "
                f"(num_levels={self.num_levels}), got {tuple(shapes.shape)}"
            )
        total = int((shapes[:, 0] * shapes[:, 1]).sum())
        if total != num_value:
            raise ValueError(
                f"MultiScaleDeformableAttention: spatial_shapes {shapes.tolist()} give "
                f"sum(h * w) = {total}, but value has length {num_value}"
            )

        value = self.value_proj(value)
        if key_padding_mask is not None:
            value = value.masked_fill(key_padding_mask[..., None], 0.0)
        value = value.view(bs, num_value, self.num_heads, -1)
        offsets = self.sampling_offsets(query).view(
            bs, num_query, self.num_heads, self.num_levels, self.num_points, 2
        )
        weights = self.attention_weights(query).view(
            bs, num_query, self.num_heads, self.num_levels * self.num_points
        )
        weights = weights.softmax(-1).view(
            bs, num_query, self.num_heads, self.num_levels, self.num_points
        )
        if reference_points.shape[-1] == 2:
            # offsets are in pixels of each level: divide by (w_l, h_l)
            normalizer = torch.stack([shapes[:, 1], shapes[:, 0]], -1).to(offsets.dtype)
            locations = (
                reference_points[:, :, None, :, None, :]
                + offsets / normalizer[None, None, None, :, None, :]
            )
        elif reference_points.shape[-1] == 4:
            locations = (
                reference_points[:, :, None, :, None, :2]
                + offsets / self.num_points * reference_points[:, :, None, :, None, 2:] * 0.5
            )
        else:
            raise ValueError(
                "MultiScaleDeformableAttention: the last dim of reference_points must be 2 "
                f"or 4, got {reference_points.shape[-1]}"
            )
        output = multi_scale_deformable_attn(value, shapes, locations, weights)
        output = self.output_proj(output)
        if not self.batch_first:
            output = output.transpose(0, 1)
        return self.dropout(output) + identity
