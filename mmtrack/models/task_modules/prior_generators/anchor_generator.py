"""Anchor generator for anchor-based heads (RPN, RetinaNet) with MMDetection 2.x+ semantics."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Optional, Union

import torch
from torch import Tensor

from mmtrack.registry import TASK_UTILS

DeviceType = Union[str, torch.device]


def _pair(value: Union[int, float, Sequence]) -> tuple:
    if isinstance(value, (list, tuple)):
        if len(value) != 2:
            raise ValueError(f"AnchorGenerator: a stride must be one number or (w, h), got {value}")
        return tuple(value)
    return (value, value)


@TASK_UTILS.register_module()
class AnchorGenerator:
    """Multi-level anchors centred on feature-map grid points.

    For level ``i`` with stride ``s`` and base size ``b`` (defaults to ``s``),
    each ratio ``r = h / w`` and scale ``k`` give an anchor of width
    ``b * k / sqrt(r)`` and height ``b * k * sqrt(r)`` centred at
    ``(x * s_w + center_offset * b, y * s_h + center_offset * b)``. Anchors are
    ordered by location (row-major), then by base anchor; base anchors are
    ratio-major (all scales of the first ratio first) when ``scale_major``.

    Args:
        strides: stride of each level (one number or ``(w, h)``).
        ratios: height/width ratios.
        scales: anchor scales, relative to the base size. Exclusive with
            ``octave_base_scale``/``scales_per_octave``. Defaults to None.
        base_sizes: base size of each level. Defaults to None (the
            smaller stride of each level).
        scale_major: order base anchors ratio-major. Defaults to True.
        octave_base_scale: base scale of the octave scales. Defaults to None.
        scales_per_octave: scales ``octave_base_scale * 2**(i / n)``,
            ``i < n``. Defaults to None.
        centers: explicit base-anchor centre ``(x, y)`` per level. Defaults to None.
        center_offset: centre offset in units of the base size, in [0, 1]
            (exclusive with ``centers``). Defaults to 0.
        use_box_type: must be False (plain tensors). Defaults to False.

    Examples:
        >>> gen = AnchorGenerator([16], [1.], [1.], [9])
        >>> gen.grid_priors([(2, 2)], device='cpu')[0]
        tensor([[-4.5000, -4.5000,  4.5000,  4.5000],
                [11.5000, -4.5000, 20.5000,  4.5000],
                [-4.5000, 11.5000,  4.5000, 20.5000],
                [11.5000, 11.5000, 20.5000, 20.5000]])
    """

    def __init__(
        self,
        strides: Sequence,
        ratios: Sequence[float],
        scales: Optional[Sequence[float]] = None,
        base_sizes: Optional[Sequence[float]] = None,
        scale_major: bool = True,
        octave_base_scale: Optional[float] = None,
        scales_per_octave: Optional[int] = None,
        centers: Optional[Sequence[tuple[float, float]]] = None,
        center_offset: float = 0.0,
        use_box_type: bool = False,
    ) -> None:
        if use_box_type:
            raise ValueError("AnchorGenerator: use_box_type=True is not supported")
        if center_offset != 0 and centers is not None:
            raise ValueError("AnchorGenerator: center_offset and centers are exclusive")
        if not 0 <= center_offset <= 1:
            raise ValueError(
                f"AnchorGenerator: center_offset must be in [0, 1], got {center_offset}"
            )
        if centers is not None and len(centers) != len(strides):
            raise ValueError(f"AnchorGenerator: {len(centers)} centers for {len(strides)} strides")
        self.strides = [_pair(s) for s in strides]
        self.base_sizes = [min(s) for s in self.strides] if base_sizes is None else list(base_sizes)
        if len(self.base_sizes) != len(self.strides):
            raise ValueError(
                f"AnchorGenerator: {len(self.base_sizes)} base_sizes for "
                f"{len(self.strides)} strides"
            )
        has_octave = octave_base_scale is not None and scales_per_octave is not None
        if has_octave == (scales is not None):
            raise ValueError(
                "AnchorGenerator: give either scales or octave_base_scale with scales_per_octave"
            )
        if scales is not None:
            self.scales = torch.tensor([float(s) for s in scales])
        else:
            self.scales = torch.tensor(
                [octave_base_scale * 2 ** (i / scales_per_octave) for i in range(scales_per_octave)]
            )
        self.octave_base_scale = octave_base_scale
        self.scales_per_octave = scales_per_octave
        self.ratios = torch.tensor([float(r) for r in ratios])
        self.scale_major = scale_major
        self.centers = centers
        self.center_offset = center_offset
        self.base_anchors = self.gen_base_anchors()

    @property
    def num_levels(self) -> int:
        """Number of feature levels."""
        return len(self.strides)

    @property
    def num_base_priors(self) -> list[int]:
        """Anchors per location on each level."""
        return [a.size(0) for a in self.base_anchors]

    num_base_anchors = num_base_priors

    def gen_base_anchors(self) -> list[Tensor]:
        """``(A, 4)`` base anchors of each level, around the level's centre."""
        return [
            self.gen_single_level_base_anchors(
                base_size,
                self.scales,
                self.ratios,
                center=None if self.centers is None else self.centers[i],
            )
            for i, base_size in enumerate(self.base_sizes)
        ]

    def gen_single_level_base_anchors(
        self,
        base_size: float,
        scales: Tensor,
        ratios: Tensor,
        center: Optional[tuple[float, float]] = None,
    ) -> Tensor:
        """``(len(ratios) * len(scales), 4)`` x1y1x2y2 anchors of one level."""
        w = h = base_size
        if center is None:
            x_center, y_center = self.center_offset * w, self.center_offset * h
        else:
            x_center, y_center = center
        h_ratios = torch.sqrt(ratios)
        w_ratios = 1 / h_ratios
        if self.scale_major:
            ws = (w * w_ratios[:, None] * scales[None, :]).reshape(-1)
            hs = (h * h_ratios[:, None] * scales[None, :]).reshape(-1)
        else:
            ws = (w * scales[:, None] * w_ratios[None, :]).reshape(-1)
            hs = (h * scales[:, None] * h_ratios[None, :]).reshape(-1)
        return torch.stack(
            [x_center - 0.5 * ws, y_center - 0.5 * hs, x_center + 0.5 * ws, y_center + 0.5 * hs],
            dim=-1,
        )

    @staticmethod
    def _meshgrid(x: Tensor, y: Tensor, row_major: bool = True) -> tuple[Tensor, Tensor]:
        xx = x.repeat(y.shape[0])
        yy = y.view(-1, 1).repeat(1, x.shape[0]).view(-1)
        return (xx, yy) if row_major else (yy, xx)

    def grid_priors(
        self,
        featmap_sizes: Sequence[tuple[int, int]],
        dtype: torch.dtype = torch.float32,
        device: DeviceType = "cuda",
    ) -> list[Tensor]:
        """Anchors of every level.

        Args:
            featmap_sizes: ``(H, W)`` of each level.
            dtype: anchor dtype. Defaults to float32.
            device: anchor device. Defaults to ``'cuda'`` (as MMDetection).

        Returns:
            One ``(H * W * A, 4)`` tensor per level.
        """
        if len(featmap_sizes) != self.num_levels:
            raise ValueError(
                f"AnchorGenerator.grid_priors: {len(featmap_sizes)} feature maps for "
                f"{self.num_levels} levels"
            )
        return [
            self.single_level_grid_priors(featmap_sizes[i], i, dtype=dtype, device=device)
            for i in range(self.num_levels)
        ]

    def single_level_grid_priors(
        self,
        featmap_size: tuple[int, int],
        level_idx: int,
        dtype: torch.dtype = torch.float32,
        device: DeviceType = "cuda",
    ) -> Tensor:
        """``(H * W * A, 4)`` anchors of one level (location-major)."""
        base_anchors = self.base_anchors[level_idx].to(device=device, dtype=dtype)
        feat_h, feat_w = featmap_size
        stride_w, stride_h = self.strides[level_idx]
        shift_x = torch.arange(0, feat_w, device=device).to(dtype) * stride_w
        shift_y = torch.arange(0, feat_h, device=device).to(dtype) * stride_h
        shift_xx, shift_yy = self._meshgrid(shift_x, shift_y)
        shifts = torch.stack([shift_xx, shift_yy, shift_xx, shift_yy], dim=-1)
        return (base_anchors[None, :, :] + shifts[:, None, :]).view(-1, 4)

    def sparse_priors(
        self,
        prior_idxs: Tensor,
        featmap_size: tuple[int, int],
        level_idx: int,
        dtype: torch.dtype = torch.float32,
        device: DeviceType = "cuda",
    ) -> Tensor:
        """Anchors at the flat indices ``prior_idxs`` of one level -> ``(K, 4)``."""
        height, width = featmap_size
        num_base = self.num_base_priors[level_idx]
        base_anchor_id = prior_idxs % num_base
        x = (prior_idxs // num_base) % width * self.strides[level_idx][0]
        y = (prior_idxs // width // num_base) % height * self.strides[level_idx][1]
        shifts = torch.stack([x, y, x, y], 1).to(dtype).to(device)
        return (
            self.base_anchors[level_idx][base_anchor_id, :].to(device=device, dtype=dtype) + shifts
        )

    def valid_flags(
        self,
        featmap_sizes: Sequence[tuple[int, int]],
        pad_shape: Sequence[int],
        device: DeviceType = "cuda",
    ) -> list[Tensor]:
        """Flags of anchors whose location lies inside the padded image.

        Args:
            featmap_sizes: ``(H, W)`` of each level.
            pad_shape: ``(h, w)`` of the padded image (before batch padding).
            device: flag device. Defaults to ``'cuda'``.

        Returns:
            One bool ``(H * W * A,)`` tensor per level.
        """
        flags = []
        h, w = pad_shape[:2]
        for i in range(self.num_levels):
            stride_w, stride_h = self.strides[i]
            feat_h, feat_w = featmap_sizes[i]
            valid_h = min(int(math.ceil(h / stride_h)), feat_h)
            valid_w = min(int(math.ceil(w / stride_w)), feat_w)
            flags.append(
                self.single_level_valid_flags(
                    (feat_h, feat_w), (valid_h, valid_w), self.num_base_priors[i], device=device
                )
            )
        return flags

    def single_level_valid_flags(
        self,
        featmap_size: tuple[int, int],
        valid_size: tuple[int, int],
        num_base_anchors: int,
        device: DeviceType = "cuda",
    ) -> Tensor:
        """Bool ``(H * W * A,)``: location ``(y, x)`` valid iff ``y < valid_h``, ``x < valid_w``."""
        feat_h, feat_w = featmap_size
        valid_h, valid_w = valid_size
        if valid_h > feat_h or valid_w > feat_w:
            raise ValueError(
                f"AnchorGenerator: valid size {valid_size} exceeds feature size {featmap_size}"
            )
        valid_x = torch.zeros(feat_w, dtype=torch.bool, device=device)
        valid_y = torch.zeros(feat_h, dtype=torch.bool, device=device)
        valid_x[:valid_w] = True
        valid_y[:valid_h] = True
        valid_xx, valid_yy = self._meshgrid(valid_x, valid_y)
        valid = valid_xx & valid_yy
        return valid[:, None].expand(valid.size(0), num_base_anchors).reshape(-1)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(strides={self.strides}, ratios={self.ratios.tolist()}, "
            f"scales={self.scales.tolist()}, base_sizes={self.base_sizes}, "
            f"scale_major={self.scale_major}, center_offset={self.center_offset})"
        )
