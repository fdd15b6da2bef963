"""KL-divergence losses of probabilistic regression (PrDiMP, Danelljan et al., CVPR 2020).

The network predicts an unnormalised log density ``s(y)``; the model density is
``p(y) = exp(s(y)) / Z``. Against a label density ``q(y)`` the loss is
``KL(q || p) = log Z - E_q[s] + const`` (the constant, q's entropy, dropped).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from mmtrack.registry import MODELS


@MODELS.register_module()
class KLGridLoss(nn.Module):
    """KL loss with ``Z`` integrated on a grid (PrDiMP's classifier loss).

    ``L = log(sum_k exp(s_k) * a) - a * sum_k s_k q_k`` over the grid cells
    ``k`` of area ``a``, averaged over the other dimensions.

    Args:
        loss_weight: Loss multiplier. Defaults to 1.0.
    """

    def __init__(self, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.loss_weight = loss_weight

    def forward(
        self,
        scores: Tensor,
        gt_density: Tensor,
        grid_dim: int | tuple = -1,
        grid_scale: float = 1.0,
    ) -> Tensor:
        """Loss of ``scores`` (log density up to a constant) against ``gt_density``.

        Args:
            scores: Scores on the grid, any shape.
            gt_density: Label density, same shape (sums to ``1 / grid_scale``
                over ``grid_dim``).
            grid_dim: Grid dimension(s). Defaults to -1.
            grid_scale: Area ``a`` of one cell. Defaults to 1.

        Returns:
            Scalar loss.
        """
        if scores.shape != gt_density.shape:
            raise ValueError(
                f"KLGridLoss: scores {tuple(scores.shape)} and gt_density "
                f"{tuple(gt_density.shape)} differ"
            )
        expected = grid_scale * (scores * gt_density).sum(dim=grid_dim)
        loss = torch.logsumexp(scores, dim=grid_dim) + math.log(grid_scale) - expected
        return self.loss_weight * loss.mean()


@MODELS.register_module()
class KLMCLoss(nn.Module):
    """KL loss with ``Z`` and ``E_q[s]`` estimated by importance sampling
    (PrDiMP's box-regression loss on IoU-Net proposals).

    With ``M`` samples ``y_m`` drawn from a proposal density ``u``:
    ``L = log(mean_m exp(s_m) / u_m) - mean_m s_m q_m / u_m``.

    Args:
        eps: Added to ``u`` before dividing. Defaults to 0.
        loss_weight: Loss multiplier. Defaults to 1.0.
    """

    def __init__(self, eps: float = 0.0, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.eps = eps
        self.loss_weight = loss_weight

    def forward(
        self, scores: Tensor, sample_density: Tensor, gt_density: Tensor, mc_dim: int = -1
    ) -> Tensor:
        """Loss of sample ``scores`` given the proposal and label densities at the samples.

        Args:
            scores: ``s(y_m)``, any shape with the samples along ``mc_dim``.
            sample_density: ``u(y_m)``, same shape.
            gt_density: ``q(y_m)``, same shape.
            mc_dim: Sample dimension. Defaults to -1.

        Returns:
            Scalar loss.
        """
        if not scores.shape == sample_density.shape == gt_density.shape:
            raise ValueError(
                f"KLMCLoss: scores {tuple(scores.shape)}, sample_density "
                f"{tuple(sample_density.shape)} and gt_density {tuple(gt_density.shape)} differ"
            )
        density = sample_density + self.eps
        log_z = torch.logsumexp(scores - torch.log(density), dim=mc_dim) - math.log(
            scores.shape[mc_dim]
        )
        loss = log_z - (scores * gt_density / density).mean(dim=mc_dim)
        return self.loss_weight * loss.mean()
