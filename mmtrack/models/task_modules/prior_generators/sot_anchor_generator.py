"""Anchors and cosine window of SiamRPN++ (MMTracking's ``SiameseRPNAnchorGenerator``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Optional, Union

import numpy as np
import torch
from torch import Tensor

from mmtrack.registry import TASK_UTILS

from .anchor_generator import AnchorGenerator


@TASK_UTILS.register_module()
class SiameseRPNAnchorGenerator(AnchorGenerator):
    """One-level :class:`AnchorGenerator` with SiamRPN++'s base anchors and Hann window.

    With ``int_wh`` the base widths / heights ``base_size / sqrt(r)`` and
    ``base_size * sqrt(r)`` are truncated to integers before the scales
    multiply them (pysot's anchors). MMTracking's config (stride 8, ratios
    ``[0.33, 0.5, 1, 2, 3]``, scale 8) gives five anchors of area about
    ``64^2`` per location.

    Args:
        strides: one stride (a number or ``(w, h)``).
        int_wh: truncate base widths / heights to integers. Defaults to False.
        **kwargs: see :class:`AnchorGenerator` (``ratios``, ``scales``...).
    """

    def __init__(self, strides: Sequence, int_wh: bool = False, **kwargs: Any) -> None:
        if len(strides) != 1:
            raise ValueError(
                f"SiameseRPNAnchorGenerator: one feature level only, got strides {list(strides)}"
            )
        self.int_wh = int_wh
        super().__init__(strides, **kwargs)

    def gen_single_level_base_anchors(
        self,
        base_size: float,
        scales: Tensor,
        ratios: Tensor,
        center: Optional[tuple[float, float]] = None,
    ) -> Tensor:
        """``(len(ratios) * len(scales), 4)`` x1y1x2y2 base anchors (ratio-major)."""
        if center is None:
            x_center, y_center = self.center_offset * base_size, self.center_offset * base_size
        else:
            x_center, y_center = center
        h_ratios = torch.sqrt(ratios)
        w_ratios = 1 / h_ratios
        wr, hr = base_size * w_ratios, base_size * h_ratios
        if self.int_wh:
            wr, hr = wr.long().float(), hr.long().float()
        if self.scale_major:
            ws = (wr[:, None] * scales[None, :]).reshape(-1)
            hs = (hr[:, None] * scales[None, :]).reshape(-1)
        else:
            ws = (wr[None, :].long() * scales[:, None]).reshape(-1)
            hs = (hr[None, :].long() * scales[:, None]).reshape(-1)
        return torch.stack(
            [x_center - 0.5 * ws, y_center - 0.5 * hs, x_center + 0.5 * ws, y_center + 0.5 * hs],
            dim=-1,
        )

    def gen_2d_hanning_windows(
        self, featmap_sizes: Sequence[tuple[int, int]], device: Union[str, torch.device] = "cpu"
    ) -> list[Tensor]:
        """Hann windows, one value per anchor.

        Args:
            featmap_sizes: ``(H, W)`` of each level (one level).
            device: output device. Defaults to ``'cpu'``.

        Returns:
            One float64 ``(H * W * A,)`` tensor per level: the outer product
            of ``np.hanning(H)`` and ``np.hanning(W)``, flattened row-major,
            each value repeated for the ``A`` anchors of its location.
        """
        if len(featmap_sizes) != self.num_levels:
            raise ValueError(
                f"gen_2d_hanning_windows: {len(featmap_sizes)} sizes for {self.num_levels} level"
            )
        windows = []
        for i, (h, w) in enumerate(featmap_sizes):
            window = np.outer(np.hanning(int(h)), np.hanning(int(w)))
            window = window.flatten().repeat(self.num_base_anchors[i])
            windows.append(torch.from_numpy(window).to(device))
        return windows
