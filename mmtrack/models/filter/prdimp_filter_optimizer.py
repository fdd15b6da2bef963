"""PrDiMP's filter optimizer (MMTracking 1.x ``PrDiMPFilterOptimizer``).

The classifier is a filter ``w`` ``(C, f, f)`` per sequence correlated with the
features ``x_j`` of the training images: ``s_j = x_j * w``. PrDiMP (Danelljan
et al., CVPR 2020, Sec. 4) fits ``w`` to the KL objective

    L(w) = sum_j g_j [log sum_k exp(s_jk) - sum_k q_jk s_jk] + lambda / 2 |w|^2

with ``q_j`` the Gaussian label density at the target centre and ``g_j`` the
sample weights. Each iteration (steepest descent with a Newton step length):

1. ``p_j = softmax(s_j)`` over the grid;
2. gradient ``d = sum_j X_j^T g_j (p_j - q_j) + lambda w``;
3. step length from the Gauss-Newton model of ``L`` along ``-d``:
   ``alpha = d^T d / (sum_j g_j v_j^T (diag(p_j) - p_j p_j^T) v_j + (lambda + eps) d^T d)``
   with ``v_j = X_j d``;
4. ``w <- w - beta * alpha * d``.

``beta = exp(log_step_length)`` and ``lambda = max(filter_regular^2,
min_filter_regular^2)`` are learned; the steps are differentiable, so the
offline training learns them and the features through the unrolled steps.
"""

from __future__ import annotations

import math
from typing import Optional

import torch
from mmengine.model import BaseModule
from torch import Tensor, nn

from mmtrack.registry import MODELS

from .filter_ops import apply_feat_transpose, apply_filter


@MODELS.register_module()
class PrDiMPFilterOptimizer(BaseModule):
    """Unrolled steepest descent with Newton step lengths on PrDiMP's KL objective.

    State-dict keys (MMTracking 1.x): ``log_step_length`` ``(1,)``,
    ``filter_regular`` ``(1,)``.

    Args:
        num_iters: Default iterations per call. Defaults to 1.
        feat_stride: Feature stride in image pixels. Defaults to 16.
        init_step_length: Initial ``beta``. Defaults to 1.0.
        init_filter_regular: Initial ``filter_regular`` (``lambda`` is its
            square). Defaults to 1e-2.
        gauss_sigma: Standard deviation of the label density, in feature
            cells; 0 gives a one-hot label. Defaults to 1.0.
        min_filter_regular: Lower bound of ``filter_regular``. Defaults to 1e-3.
        alpha_eps: ``eps`` of the step-length denominator. Defaults to 0.
        label_thres: Label values at or below it are zeroed before the
            normalisation. Defaults to 0.
    """

    def __init__(
        self,
        num_iters: int = 1,
        feat_stride: int = 16,
        init_step_length: float = 1.0,
        init_filter_regular: float = 1e-2,
        gauss_sigma: float = 1.0,
        min_filter_regular: float = 1e-3,
        alpha_eps: float = 0.0,
        label_thres: float = 0.0,
    ) -> None:
        super().__init__()
        if gauss_sigma < 0:
            raise ValueError(f"PrDiMPFilterOptimizer: gauss_sigma must be >= 0, got {gauss_sigma}")
        if init_step_length <= 0:
            raise ValueError(
                f"PrDiMPFilterOptimizer: init_step_length must be > 0, got {init_step_length}"
            )
        self.num_iters = num_iters
        self.feat_stride = feat_stride
        self.log_step_length = nn.Parameter(math.log(init_step_length) * torch.ones(1))
        self.filter_regular = nn.Parameter(init_filter_regular * torch.ones(1))
        self.gauss_sigma = gauss_sigma
        self.min_filter_regular = min_filter_regular
        self.alpha_eps = alpha_eps
        self.label_thres = label_thres

    def regularization(self) -> Tensor:
        """``lambda = max(filter_regular^2, min_filter_regular^2)``, ``(1,)``."""
        return (self.filter_regular**2).clamp(min=self.min_filter_regular**2)

    def gen_label_density(self, center_yx: Tensor, output_size_hw: tuple[int, int]) -> Tensor:
        """Gaussian label density on the score grid, normalised to sum 1.

        Args:
            center_yx: ``(N_img, N_seq, 2)`` centres (row, column) in cells.
            output_size_hw: score-map ``(H, W)``.

        Returns:
            ``(N_img, N_seq, H, W)``.
        """
        rows = torch.arange(output_size_hw[0], dtype=torch.float32, device=center_yx.device)
        cols = torch.arange(output_size_hw[1], dtype=torch.float32, device=center_yx.device)
        d_row = (rows.view(1, 1, -1, 1) - center_yx[..., 0, None, None]) ** 2
        d_col = (cols.view(1, 1, 1, -1) - center_yx[..., 1, None, None]) ** 2
        if self.gauss_sigma == 0:
            one_row = (d_row == d_row.amin(dim=-2, keepdim=True)).float()
            one_col = (d_col == d_col.amin(dim=-1, keepdim=True)).float()
            gauss = one_row * one_col
        else:
            var = self.gauss_sigma**2
            gauss = torch.exp(-(d_row + d_col) / (2 * var)) / (2 * math.pi * var)
        gauss = gauss * (gauss > self.label_thres).float()
        return gauss / (gauss.sum(dim=(-2, -1), keepdim=True) + 1e-8)

    def label_density_for(
        self, bboxes: Tensor, filter_size_hw: tuple[int, int], output_size_hw: tuple[int, int]
    ) -> Tensor:
        """Label density of ``(N_img, N_seq, 4)`` cxcywh image-pixel boxes."""
        offset = torch.tensor(
            [(filter_size_hw[0] % 2) / 2.0, (filter_size_hw[1] % 2) / 2.0], device=bboxes.device
        )
        center_yx = (bboxes[..., :2] / self.feat_stride).flip(-1) - offset
        return self.gen_label_density(center_yx, output_size_hw)

    def objective(
        self, filter_weights: Tensor, feat: Tensor, label: Tensor, sample_weights: Tensor
    ) -> Tensor:
        """``L(w)`` of the module docstring summed over sequences, ``(,)``.

        Args:
            filter_weights: ``(N_seq, C, f_h, f_w)``.
            feat: ``(N_img, N_seq, C, H, W)``.
            label: ``(N_img, N_seq, H_s, W_s)`` label density.
            sample_weights: ``(N_img, N_seq)``.
        """
        scores = apply_filter(feat, filter_weights)
        data = torch.logsumexp(scores.flatten(2), dim=2) - (label * scores).sum(dim=(-2, -1))
        reg = self.regularization()
        return (sample_weights * data).sum() + 0.5 * (reg * (filter_weights**2).sum()).sum()

    def forward(
        self,
        filter_weights: Tensor,
        feat: Tensor,
        bboxes: Tensor,
        num_iters: Optional[int] = None,
        sample_weights: Optional[Tensor] = None,
        compute_losses: bool = False,
    ) -> tuple[Tensor, list[Tensor], list[Tensor]]:
        """Run ``num_iters`` steps.

        Args:
            filter_weights: ``(N_seq, C, f_h, f_w)`` initial filters.
            feat: ``(N_img, N_seq, C, H, W)`` training features (or
                ``(N_img, C, H, W)`` for one sequence, as at test time).
            bboxes: ``(N_img, N_seq, 4)`` (or ``(N_img, 4)``) target boxes,
                cx, cy, w, h image pixels (only the centres are used).
            num_iters: iterations; None: ``self.num_iters``.
            sample_weights: ``(N_img, N_seq)`` (or ``(N_img,)``) weights
                ``g_j``; None: ``1 / N_img`` each.
            compute_losses: also return ``L`` at every iterate.

        Returns:
            ``(filter, iterates, losses)``: the final ``(N_seq, C, f_h, f_w)``
            filter, the ``num_iters + 1`` filters from the initial one to the
            final one, and (if ``compute_losses``) ``L`` at each of them
            (``(,)`` tensors, else an empty list).
        """
        num_iters = self.num_iters if num_iters is None else int(num_iters)
        if feat.dim() == 4:
            feat = feat.unsqueeze(1)
        n_img, n_seq = feat.shape[:2]
        bboxes = bboxes.reshape(n_img, n_seq, 4)
        filter_size_hw = (filter_weights.shape[-2], filter_weights.shape[-1])
        output_size_hw = (
            feat.shape[-2] + (filter_size_hw[0] + 1) % 2,
            feat.shape[-1] + (filter_size_hw[1] + 1) % 2,
        )
        label = self.label_density_for(bboxes, filter_size_hw, output_size_hw)
        if sample_weights is None:
            sample_weights = feat.new_full((n_img, n_seq), 1.0 / n_img)
        sample_weights = sample_weights.reshape(n_img, n_seq).to(feat)
        beta = torch.exp(self.log_step_length)
        reg = self.regularization()

        iterates, losses = [filter_weights], []
        for _ in range(num_iters):
            if compute_losses:
                losses.append(self.objective(filter_weights, feat, label, sample_weights))
            # 1. probabilities on the grid
            scores = apply_filter(feat, filter_weights)
            probs = torch.softmax(scores.flatten(2), dim=2).view_as(scores)
            # 2. gradient of L
            residual = sample_weights[..., None, None] * (probs - label)
            grad = apply_feat_transpose(feat, residual, filter_size_hw) + reg * filter_weights
            # 3. Newton step length along the gradient (Gauss-Newton curvature)
            v = apply_filter(feat, grad)
            pv = probs * v
            hv = pv - probs * pv.sum(dim=(-2, -1), keepdim=True)
            curvature = (v * hv).sum(dim=(-2, -1)).clamp(min=0)
            curvature = (sample_weights * curvature).sum(dim=0)
            grad_sq = (grad * grad).sum(dim=(1, 2, 3))
            alpha = grad_sq / (curvature + (reg + self.alpha_eps) * grad_sq).clamp(min=1e-8)
            # 4. update
            filter_weights = filter_weights - (beta * alpha).view(-1, 1, 1, 1) * grad
            iterates.append(filter_weights)
        if compute_losses:
            losses.append(self.objective(filter_weights, feat, label, sample_weights))
        return filter_weights, iterates, losses
