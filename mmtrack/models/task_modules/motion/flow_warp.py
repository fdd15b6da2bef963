"""Warp feature maps with optical flow (DFF, FGFA)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def flow_warp_feats(x: Tensor, flow: Tensor, exact: bool = False) -> Tensor:
    """Sample ``x`` at the positions the flow points to (bilinear, border padding).

    The flow is resized to the size of ``x`` and its values scaled by
    ``W / W_f``; output pixel ``(i, j)`` takes ``x`` at
    ``((i + flow_y) * (H - 1) / H, (j + flow_x) * (W - 1) / W)`` (pixels of
    ``x``). The ``(H - 1) / H`` factor is MMTracking 0.14's grid
    normalisation (``p / W * 2 - 1`` with ``align_corners=True``), kept so
    that its DFF/FGFA checkpoints see the features they were trained on:
    a zero flow is not quite the identity there (pixel ``j`` reads
    ``j * (W - 1) / W``). ``exact=True`` normalises by ``W - 1`` instead, so
    that pixel ``(i, j)`` reads ``(i + flow_y, j + flow_x)``: a zero flow is
    the identity and an integer flow an exact shift (clamped at the border).

    Args:
        x: ``(N, C, H, W)`` features (of the reference frames).
        flow: ``(N, 2, H_f, W_f)`` flow ``(dx, dy)`` in pixels of its own
            resolution, from the key frame to each reference frame.
        exact: pixel-exact grid instead of MMTracking's. Defaults to False.

    Returns:
        ``(N, C, H, W)`` features warped to the key frame.
    """
    if x.dim() != 4:
        raise ValueError(f"flow_warp_feats: x must be (N, C, H, W), got {tuple(x.shape)}")
    if flow.dim() != 4 or flow.shape[1] != 2 or flow.shape[0] != x.shape[0]:
        raise ValueError(
            f"flow_warp_feats: flow must be ({x.shape[0]}, 2, H, W), got {tuple(flow.shape)}"
        )
    h, w = x.shape[-2:]
    scale = float(w) / flow.shape[-1]
    if flow.shape[-2:] != (h, w):
        flow = F.interpolate(flow, size=(h, w), mode="bilinear", align_corners=False)
    flow = flow * scale
    ys, xs = torch.meshgrid(
        torch.arange(h, device=flow.device, dtype=flow.dtype),
        torch.arange(w, device=flow.device, dtype=flow.dtype),
        indexing="ij",
    )
    norm_w, norm_h = (max(w - 1, 1), max(h - 1, 1)) if exact else (w, h)
    gx = (xs + flow[:, 0]) / norm_w * 2 - 1
    gy = (ys + flow[:, 1]) / norm_h * 2 - 1
    grid = torch.stack((gx, gy), dim=-1)
    return F.grid_sample(x, grid.to(x.dtype), padding_mode="border", align_corners=True)
