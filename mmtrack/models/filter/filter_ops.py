"""Filter application and its transpose (the DiMP / PrDiMP target classifier).

A filter ``w`` ``(N_seq, C, f_h, f_w)`` is correlated with the features of
each sequence's images (padding ``f // 2``), as MMTracking 1.x's
``task_modules/filter/filter.py`` (from pytracking) does.
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor


def _as_5d(feat: Tensor) -> Tensor:
    """``(N_img, C, H, W)`` (one sequence) or ``(N_img, N_seq, C, H, W)`` -> 5-d."""
    if feat.dim() == 4:
        return feat.unsqueeze(1)
    if feat.dim() != 5:
        raise ValueError(
            f"filter features must be (N_img, [N_seq], C, H, W), got {tuple(feat.shape)}"
        )
    return feat


def apply_filter(feat: Tensor, filter_weights: Tensor) -> Tensor:
    """Correlate each sequence's images with its filter.

    Args:
        feat: ``(N_img, N_seq, C, H, W)`` features (or ``(N_img, C, H, W)``
            for one sequence).
        filter_weights: ``(N_seq, C, f_h, f_w)`` filters.

    Returns:
        ``(N_img, N_seq, H + (f_h + 1) % 2, W + (f_w + 1) % 2)`` scores: odd
        filters keep the size, even ones add one row / column.

    Raises:
        ValueError: the filters do not match the features' sequences / channels.
    """
    feat = _as_5d(feat)
    n_img, n_seq, c, h, w = feat.shape
    if filter_weights.dim() != 4 or tuple(filter_weights.shape[:2]) != (n_seq, c):
        raise ValueError(
            f"apply_filter: filters {tuple(filter_weights.shape)} do not match features "
            f"{tuple(feat.shape)} (need (N_seq={n_seq}, C={c}, f_h, f_w))"
        )
    pad = (filter_weights.shape[-2] // 2, filter_weights.shape[-1] // 2)
    scores = F.conv2d(
        feat.reshape(n_img, n_seq * c, h, w), filter_weights, padding=pad, groups=n_seq
    )
    return scores.reshape(n_img, n_seq, *scores.shape[-2:])


def apply_feat_transpose(
    feat: Tensor, activation: Tensor, filter_size_hw: tuple[int, int]
) -> Tensor:
    """Transpose of :func:`apply_filter` with respect to the filter.

    ``apply_feat_transpose(x, r) = d <apply_filter(x, w), r> / d w``: the
    gradient of the filter given the score-map residual ``r``.

    Args:
        feat: ``(N_img, N_seq, C, H, W)`` features (or 4-d for one sequence).
        activation: ``(N_img, N_seq, H_s, W_s)`` residuals on the score grid.
        filter_size_hw: ``(f_h, f_w)``.

    Returns:
        ``(N_seq, C, f_h, f_w)``, summed over the images.
    """
    feat = _as_5d(feat)
    n_img, n_seq, c, h, w = feat.shape
    if tuple(activation.shape[:2]) != (n_img, n_seq):
        raise ValueError(
            f"apply_feat_transpose: activation {tuple(activation.shape)} does not match "
            f"features {tuple(feat.shape)} (images, sequences)"
        )
    pad = (filter_size_hw[0] // 2, filter_size_hw[1] // 2)
    # correlate every (image, sequence) feature map, channels as the batch,
    # with its own residual map: (C, N_img * N_seq, f_h, f_w)
    grad = F.conv2d(
        feat.reshape(n_img * n_seq, c, h, w).transpose(0, 1),
        activation.reshape(n_img * n_seq, 1, *activation.shape[-2:]),
        padding=pad,
        groups=n_img * n_seq,
    )
    grad = grad[..., : filter_size_hw[0], : filter_size_hw[1]]
    grad = grad.reshape(c, n_img, n_seq, *grad.shape[-2:]).sum(dim=1)
    return grad.transpose(0, 1).contiguous()
