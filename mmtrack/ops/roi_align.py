"""RoIAlign (Mask R-CNN) with the mmcv API: ``roi_align`` and the ``RoIAlign`` module.

Average pooling runs on torchvision's kernels, which implement the same
Detectron2 algorithm as mmcv's (sample grid, bilinear interpolation and
boundary rules, adaptive ``sampling_ratio=0``); at inference on the CPU the
rois are split over ``torch.get_num_threads()`` threads (same result). Max
pooling, which torchvision lacks, is written here in PyTorch following mmcv's
kernel: a bin's value is the largest of its bilinear samples, where a sample
more than one pixel outside the map counts as 0, and a bin with no samples
gives -10000.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Union

import torch
from torch import Tensor, nn
from torch.nn.modules.utils import _pair
from torchvision.ops import roi_align as _tv_roi_align

from mmtrack.registry import MODELS

_EMPTY_BIN_MAX = -10000.0  # mmcv's initial ``maxval`` in max mode
#: Fewest rois per thread worth splitting torchvision's CPU kernel for.
_MIN_ROIS_PER_THREAD = 64
_pool: ThreadPoolExecutor | None = None
_pool_key: tuple[int, int] | None = None  # (pid, workers) the pool was made for


def _thread_pool(workers: int) -> ThreadPoolExecutor:
    """A process-wide pool of ``workers`` threads (rebuilt after a fork)."""
    global _pool, _pool_key
    key = (os.getpid(), workers)
    if _pool is None or _pool_key != key:
        _pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="roi_align")
        _pool_key = key
    return _pool


def _avg_roi_align(
    input: Tensor,
    rois: Tensor,
    out_size: tuple[int, int],
    spatial_scale: float,
    sampling_ratio: int,
    aligned: bool,
) -> Tensor:
    """torchvision's average RoIAlign, split over threads on the CPU at inference.

    torchvision's CPU kernel runs on one thread whatever
    ``torch.get_num_threads()`` says. Each roi's output depends on that roi
    only, so at inference (no gradient needed) the rois are cut into
    contiguous chunks pooled concurrently (the kernel releases the GIL) and
    concatenated: the result is bit-identical to one call.
    """
    if input.device.type == "cpu" and input.dtype in (torch.float16, torch.bfloat16):
        # torchvision's CPU kernel has no half types (CPU autocast gives bfloat16)
        out = _avg_roi_align(
            input.float(), rois.float(), out_size, spatial_scale, sampling_ratio, aligned
        )
        return out.to(input.dtype)
    num = rois.size(0)
    workers = min(torch.get_num_threads(), num // _MIN_ROIS_PER_THREAD)
    needs_grad = torch.is_grad_enabled() and (input.requires_grad or rois.requires_grad)
    if input.device.type != "cpu" or workers < 2 or needs_grad:
        return _tv_roi_align(input, rois, out_size, spatial_scale, sampling_ratio, aligned)
    inference = torch.is_inference_mode_enabled()

    def pool(chunk: Tensor) -> Tensor:
        with torch.inference_mode(inference), torch.no_grad():
            return _tv_roi_align(input, chunk, out_size, spatial_scale, sampling_ratio, aligned)

    return torch.cat(list(_thread_pool(workers).map(pool, rois.chunk(workers))))


def _check_inputs(input: Tensor, rois: Tensor, fn: str) -> None:
    if not isinstance(input, Tensor) or input.dim() != 4:
        shape = tuple(input.shape) if isinstance(input, Tensor) else type(input).__name__
        raise ValueError(f"{fn}: input must be a (N, C, H, W) tensor, got {shape}")
    if not isinstance(rois, Tensor) or rois.dim() != 2 or rois.size(1) != 5:
        shape = tuple(rois.shape) if isinstance(rois, Tensor) else type(rois).__name__
        raise ValueError(
            f"{fn}: rois must be a (K, 5) tensor [batch_idx, x1, y1, x2, y2], got {shape}"
        )


def _bilinear_samples(
    feat: Tensor, base: Tensor, y: Tensor, x: Tensor, height: int, width: int
) -> Tensor:
    """Bilinear interpolation with RoIAlign's boundary rules.

    Args:
        feat: ``(N * H * W, C)`` channel-last feature map.
        base: ``(K, 1, 1)`` offset of each roi's image in ``feat`` (``batch * H * W``).
        y: ``(K, PH, PW)`` sample rows; x: ``(K, PH, PW)`` sample columns.
        height: ``H``; width: ``W``.

    Returns:
        ``(K, PH, PW, C)`` sampled values (0 for samples more than one pixel
        outside the map).
    """
    outside = (y < -1.0) | (y > height) | (x < -1.0) | (x > width)
    y = y.clamp(min=0)
    x = x.clamp(min=0)
    y_low = y.floor().long()
    x_low = x.floor().long()
    y_edge = y_low >= height - 1
    x_edge = x_low >= width - 1
    y_low = torch.where(y_edge, torch.full_like(y_low, height - 1), y_low)
    x_low = torch.where(x_edge, torch.full_like(x_low, width - 1), x_low)
    y_high = torch.where(y_edge, y_low, y_low + 1)
    x_high = torch.where(x_edge, x_low, x_low + 1)
    y = torch.where(y_edge, y_low.to(y.dtype), y)
    x = torch.where(x_edge, x_low.to(x.dtype), x)
    ly = y - y_low
    lx = x - x_low
    hy = 1.0 - ly
    hx = 1.0 - lx
    w1 = (hy * hx)[..., None]
    w2 = (hy * lx)[..., None]
    w3 = (ly * hx)[..., None]
    w4 = (ly * lx)[..., None]
    v1 = feat[base + y_low * width + x_low]
    v2 = feat[base + y_low * width + x_high]
    v3 = feat[base + y_high * width + x_low]
    v4 = feat[base + y_high * width + x_high]
    val = w1 * v1 + w2 * v2 + w3 * v3 + w4 * v4
    return val.masked_fill(outside[..., None], 0.0)


def _roi_align_max(
    input: Tensor,
    rois: Tensor,
    output_size: tuple[int, int],
    spatial_scale: float,
    sampling_ratio: int,
    aligned: bool,
) -> Tensor:
    """Max-mode RoIAlign, one sample position (iy, ix) of every bin at a time."""
    num_imgs, channels, height, width = input.shape
    pooled_h, pooled_w = output_size
    num_rois = rois.size(0)
    if num_rois == 0:
        return input.new_zeros((0, channels, pooled_h, pooled_w))
    dtype = input.dtype
    rois = rois.to(dtype)
    offset = 0.5 if aligned else 0.0
    start_w = rois[:, 1] * spatial_scale - offset
    start_h = rois[:, 2] * spatial_scale - offset
    roi_w = (rois[:, 3] * spatial_scale - offset) - start_w
    roi_h = (rois[:, 4] * spatial_scale - offset) - start_h
    if not aligned:  # legacy: rois at least one pixel wide
        roi_w = roi_w.clamp(min=1.0)
        roi_h = roi_h.clamp(min=1.0)
    bin_h = roi_h / pooled_h
    bin_w = roi_w / pooled_w
    if sampling_ratio > 0:
        grid_h = torch.full((num_rois,), sampling_ratio, dtype=torch.long, device=input.device)
        grid_w = grid_h
    else:
        grid_h = torch.ceil(roi_h / pooled_h).long().clamp(min=0)
        grid_w = torch.ceil(roi_w / pooled_w).long().clamp(min=0)
    grid_h_f = grid_h.clamp(min=1).to(dtype)[:, None]
    grid_w_f = grid_w.clamp(min=1).to(dtype)[:, None]
    max_grid_h = int(grid_h.max().item())
    max_grid_w = int(grid_w.max().item())

    feat = input.permute(0, 2, 3, 1).reshape(num_imgs * height * width, channels)
    base = (rois[:, 0].long() * (height * width))[:, None, None]
    ph = torch.arange(pooled_h, dtype=dtype, device=input.device)[None]
    pw = torch.arange(pooled_w, dtype=dtype, device=input.device)[None]
    # bin origins, (K, PH) and (K, PW)
    y0 = start_h[:, None] + ph * bin_h[:, None]
    x0 = start_w[:, None] + pw * bin_w[:, None]
    out = input.new_full((num_rois, pooled_h, pooled_w, channels), _EMPTY_BIN_MAX)
    for iy in range(max_grid_h):
        y = y0 + (iy + 0.5) * bin_h[:, None] / grid_h_f
        for ix in range(max_grid_w):
            x = x0 + (ix + 0.5) * bin_w[:, None] / grid_w_f
            val = _bilinear_samples(
                feat,
                base,
                y[:, :, None].expand(-1, -1, pooled_w),
                x[:, None, :].expand(-1, pooled_h, -1),
                height,
                width,
            )
            has_sample = ((iy < grid_h) & (ix < grid_w))[:, None, None, None]
            # strict '>' keeps the first maximum, as the kernel does
            out = torch.where(has_sample & (val > out), val, out)
    return out.permute(0, 3, 1, 2).contiguous()


def roi_align(
    input: Tensor,
    rois: Tensor,
    output_size: Union[int, tuple[int, int]],
    spatial_scale: float = 1.0,
    sampling_ratio: int = 0,
    pool_mode: str = "avg",
    aligned: bool = True,
) -> Tensor:
    """Pool a fixed-size feature for each RoI with bilinear sampling (mmcv's ``roi_align``).

    Args:
        input: ``(N, C, H, W)`` feature map.
        rois: ``(K, 5)`` ``[batch_idx, x1, y1, x2, y2]`` in input-image pixels.
        output_size: ``(PH, PW)`` or one int for both.
        spatial_scale: factor from image to feature-map coordinates
            (``1 / stride``). Defaults to 1.0.
        sampling_ratio: samples per bin along each axis; 0 uses
            ``ceil(roi_size / output_size)`` per roi. Defaults to 0.
        pool_mode: ``'avg'`` or ``'max'`` over a bin's samples. Defaults to ``'avg'``.
        aligned: shift boxes by -0.5 pixel so that pixel centres sit at
            half-integers (Detectron2); False keeps the legacy behaviour
            (no shift, rois at least one pixel wide). Defaults to True.

    Returns:
        ``(K, C, PH, PW)`` pooled features.
    """
    _check_inputs(input, rois, "roi_align")
    if pool_mode not in ("avg", "max"):
        raise ValueError(f"roi_align: pool_mode must be 'avg' or 'max', got {pool_mode!r}")
    out_size = _pair(output_size)
    if rois.dtype != input.dtype:
        rois = rois.to(input.dtype)
    if pool_mode == "max":
        return _roi_align_max(
            input, rois, out_size, float(spatial_scale), int(sampling_ratio), bool(aligned)
        )
    return _avg_roi_align(
        input, rois, out_size, float(spatial_scale), int(sampling_ratio), bool(aligned)
    )


@MODELS.register_module()
class RoIAlign(nn.Module):
    """Module form of :func:`roi_align` (mmcv's ``RoIAlign`` signature).

    Args:
        output_size: ``(PH, PW)`` or one int.
        spatial_scale: image-to-feature scale. Defaults to 1.0.
        sampling_ratio: samples per bin axis, 0 for adaptive. Defaults to 0.
        pool_mode: ``'avg'`` or ``'max'``. Defaults to ``'avg'``.
        aligned: half-pixel shift (see :func:`roi_align`). Defaults to True.
        use_torchvision: kept for config compatibility with mmcv; the
            average mode always runs on torchvision here. Defaults to False.
    """

    def __init__(
        self,
        output_size: Union[int, tuple[int, int]],
        spatial_scale: float = 1.0,
        sampling_ratio: int = 0,
        pool_mode: str = "avg",
        aligned: bool = True,
        use_torchvision: bool = False,
    ) -> None:
        super().__init__()
        if pool_mode not in ("avg", "max"):
            raise ValueError(f"RoIAlign: pool_mode must be 'avg' or 'max', got {pool_mode!r}")
        self.output_size = _pair(output_size)
        self.spatial_scale = float(spatial_scale)
        self.sampling_ratio = int(sampling_ratio)
        self.pool_mode = pool_mode
        self.aligned = aligned
        self.use_torchvision = use_torchvision

    def forward(self, input: Tensor, rois: Tensor) -> Tensor:
        """``(N, C, H, W)`` features, ``(K, 5)`` rois -> ``(K, C, PH, PW)``."""
        return roi_align(
            input,
            rois,
            self.output_size,
            self.spatial_scale,
            self.sampling_ratio,
            self.pool_mode,
            self.aligned,
        )

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(output_size={self.output_size}, "
            f"spatial_scale={self.spatial_scale}, sampling_ratio={self.sampling_ratio}, "
            f"pool_mode={self.pool_mode}, aligned={self.aligned}, "
            f"use_torchvision={self.use_torchvision})"
        )
