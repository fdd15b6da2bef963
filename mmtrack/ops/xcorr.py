"""Cross-correlation of search features with template kernels (SiamFC / SiamRPN++).

Both are single grouped ``conv2d`` calls (PyTorch's conv2d is a
cross-correlation), one group per sample (naive) or per sample and channel
(depth-wise).
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor


def _check_pair(x: Tensor, kernel: Tensor, fn: str) -> None:
    if x.dim() != 4 or kernel.dim() != 4:
        raise ValueError(
            f"{fn}: x and kernel must be 4-D (N, C, H, W), got {tuple(x.shape)} and "
            f"{tuple(kernel.shape)}"
        )
    if x.shape[:2] != kernel.shape[:2]:
        raise ValueError(
            f"{fn}: x and kernel must share (N, C), got {tuple(x.shape[:2])} and "
            f"{tuple(kernel.shape[:2])}"
        )
    if kernel.size(2) > x.size(2) or kernel.size(3) > x.size(3):
        raise ValueError(
            f"{fn}: kernel {tuple(kernel.shape[2:])} is larger than x {tuple(x.shape[2:])}"
        )


def depthwise_xcorr(x: Tensor, kernel: Tensor) -> Tensor:
    """Depth-wise cross-correlation (SiamRPN++): each channel with its own kernel.

    ``out[n, c, i, j] = sum_{u, v} x[n, c, i + u, j + v] * kernel[n, c, u, v]``.

    Args:
        x: ``(N, C, Hx, Wx)`` search features.
        kernel: ``(N, C, Hk, Wk)`` template features.

    Returns:
        ``(N, C, Hx - Hk + 1, Wx - Wk + 1)`` correlation maps.
    """
    _check_pair(x, kernel, "depthwise_xcorr")
    n, c = kernel.shape[:2]
    out = F.conv2d(
        x.reshape(1, n * c, x.size(2), x.size(3)),
        kernel.reshape(n * c, 1, kernel.size(2), kernel.size(3)),
        groups=n * c,
    )
    return out.reshape(n, c, out.size(2), out.size(3))


def naive_xcorr(x: Tensor, kernel: Tensor) -> Tensor:
    """Cross-correlation summed over channels (SiamFC): one map per sample.

    ``out[n, 0, i, j] = sum_{c, u, v} x[n, c, i + u, j + v] * kernel[n, c, u, v]``.

    Args:
        x: ``(N, C, Hx, Wx)`` search features.
        kernel: ``(N, C, Hk, Wk)`` template features.

    Returns:
        ``(N, 1, Hx - Hk + 1, Wx - Wk + 1)`` correlation maps.
    """
    _check_pair(x, kernel, "naive_xcorr")
    n, c = kernel.shape[:2]
    out = F.conv2d(x.reshape(1, n * c, x.size(2), x.size(3)), kernel, groups=n)
    return out.reshape(n, 1, out.size(2), out.size(3))
