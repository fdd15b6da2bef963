"""Point priors (anchor-free grid centres) for multi-level feature maps."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Union

import torch
from torch import Tensor

from mmtrack.registry import TASK_UTILS

DeviceType = Union[str, torch.device]


def _pair(value: Union[int, Sequence[int]]) -> tuple[int, int]:
    if isinstance(value, int):
        return (value, value)
    if len(value) != 2:
        raise ValueError(f"MlvlPointGenerator: a stride must be an int or (w, h), got {value}")
    return (int(value[0]), int(value[1]))


@TASK_UTILS.register_module()
class MlvlPointGenerator:
    """Grid points of each feature level, in input-image pixels.

    The point of cell ``(row, col)`` at a level with stride ``(s_w, s_h)`` is
    ``((col + offset) * s_w, (row + offset) * s_h)``; points are listed row
    by row (x varies fastest).

    Args:
        strides: stride of each level, an int or ``(stride_w, stride_h)``.
        offset: position of the point inside its cell, in strides; 0 puts
            it at the top-left corner (YOLOX), 0.5 at the centre.
            Defaults to 0.5.

    Examples:
        >>> gen = MlvlPointGenerator([8], offset=0)
        >>> gen.grid_priors([(2, 2)], device='cpu')[0].tolist()
        [[0.0, 0.0], [8.0, 0.0], [0.0, 8.0], [8.0, 8.0]]
    """

    def __init__(self, strides: Sequence[Union[int, Sequence[int]]], offset: float = 0.5) -> None:
        self.strides = [_pair(stride) for stride in strides]
        self.offset = offset

    @property
    def num_levels(self) -> int:
        """Number of feature levels."""
        return len(self.strides)

    @property
    def num_base_priors(self) -> list[int]:
        """Points per cell at each level (always 1)."""
        return [1 for _ in self.strides]

    def grid_priors(
        self,
        featmap_sizes: Sequence[Sequence[int]],
        dtype: torch.dtype = torch.float32,
        device: DeviceType = "cuda",
        with_stride: bool = False,
    ) -> list[Tensor]:
        """Points of every level.

        Args:
            featmap_sizes: ``(H_i, W_i)`` of each level.
            dtype: dtype of the points. Defaults to float32.
            device: device of the points. Defaults to ``'cuda'`` (as
                MMDetection; heads pass their features' device).
            with_stride: append ``(stride_w, stride_h)`` to each point.
                Defaults to False.

        Returns:
            One ``(H_i * W_i, 2)`` tensor ``(x, y)`` per level, or
            ``(H_i * W_i, 4)`` ``(x, y, stride_w, stride_h)`` with strides.
        """
        if len(featmap_sizes) != self.num_levels:
            raise ValueError(
                f"MlvlPointGenerator: got {len(featmap_sizes)} feature sizes for "
                f"{self.num_levels} strides"
            )
        return [
            self.single_level_grid_priors(
                featmap_sizes[i], i, dtype=dtype, device=device, with_stride=with_stride
            )
            for i in range(self.num_levels)
        ]

    def single_level_grid_priors(
        self,
        featmap_size: Sequence[int],
        level_idx: int,
        dtype: torch.dtype = torch.float32,
        device: DeviceType = "cuda",
        with_stride: bool = False,
    ) -> Tensor:
        """Points of one level, ``(H * W, 2)`` or ``(H * W, 4)`` (see :meth:`grid_priors`)."""
        feat_h, feat_w = int(featmap_size[0]), int(featmap_size[1])
        stride_w, stride_h = self.strides[level_idx]
        shift_x = ((torch.arange(feat_w, device=device) + self.offset) * stride_w).to(dtype)
        shift_y = ((torch.arange(feat_h, device=device) + self.offset) * stride_h).to(dtype)
        yy, xx = torch.meshgrid(shift_y, shift_x, indexing="ij")
        columns = [xx.reshape(-1), yy.reshape(-1)]
        if with_stride:
            columns.append(torch.full_like(columns[0], stride_w))
            columns.append(torch.full_like(columns[0], stride_h))
        return torch.stack(columns, dim=-1)

    def valid_flags(
        self,
        featmap_sizes: Sequence[Sequence[int]],
        pad_shape: Sequence[int],
        device: DeviceType = "cuda",
    ) -> list[Tensor]:
        """Which points fall inside the un-padded image.

        Args:
            featmap_sizes: ``(H_i, W_i)`` of each level.
            pad_shape: ``(h, w)`` of the valid (un-padded) image region.
            device: device of the flags. Defaults to ``'cuda'``.

        Returns:
            One bool tensor ``(H_i * W_i,)`` per level.
        """
        flags = []
        for i, (feat_h, feat_w) in enumerate(featmap_sizes):
            stride_w, stride_h = self.strides[i]
            h, w = pad_shape[:2]
            valid_h = min(int(-(-h // stride_h)), feat_h)
            valid_w = min(int(-(-w // stride_w)), feat_w)
            flags.append(
                self.single_level_valid_flags((feat_h, feat_w), (valid_h, valid_w), device=device)
            )
        return flags

    def single_level_valid_flags(
        self,
        featmap_size: Sequence[int],
        valid_size: Sequence[int],
        device: DeviceType = "cuda",
    ) -> Tensor:
        """``(H * W,)`` bool: cell ``(r, c)`` is valid iff ``r < valid_h`` and ``c < valid_w``."""
        feat_h, feat_w = featmap_size
        valid_h, valid_w = valid_size
        valid_x = torch.zeros(feat_w, dtype=torch.bool, device=device)
        valid_y = torch.zeros(feat_h, dtype=torch.bool, device=device)
        valid_x[:valid_w] = True
        valid_y[:valid_h] = True
        vy, vx = torch.meshgrid(valid_y, valid_x, indexing="ij")
        return (vx & vy).reshape(-1)

    def sparse_priors(
        self,
        prior_idxs: Tensor,
        featmap_size: Sequence[int],
        level_idx: int,
        dtype: torch.dtype = torch.float32,
        device: DeviceType = "cuda",
    ) -> Tensor:
        """Points ``(K, 2)`` of the flat indices ``prior_idxs`` at one level."""
        _, width = featmap_size
        stride_w, stride_h = self.strides[level_idx]
        x = (prior_idxs % width + self.offset) * stride_w
        y = (torch.div(prior_idxs, width, rounding_mode="floor") + self.offset) * stride_h
        return torch.stack([x, y], dim=1).to(dtype=dtype, device=device)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(strides={self.strides}, offset={self.offset})"
