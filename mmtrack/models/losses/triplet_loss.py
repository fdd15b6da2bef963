"""Triplet loss for ReID embeddings (Hermans et al., "In Defense of the Triplet Loss")."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor

from mmtrack.registry import MODELS


def pairwise_euclidean(x: Tensor) -> Tensor:
    """``(N, D)`` features -> ``(N, N)`` Euclidean distances (clamped at 1e-12 before sqrt)."""
    sq = x.pow(2).sum(dim=1, keepdim=True)
    dist = sq + sq.t() - 2 * (x @ x.t())
    return dist.clamp(min=1e-12).sqrt()


@MODELS.register_module()
class TripletLoss(BaseModule):
    """Margin ranking loss on triplets built inside a batch.

    With ``hard_mining`` (the MMTracking ReID default) each anchor uses its
    farthest positive and nearest negative: ``mean_a relu(d_ap - d_an + margin)``
    over anchors that have a negative. Without it, every valid triplet
    ``(a, p, n)`` (``p != a`` same id, ``n`` other id) is used ("batch all"):
    the mean of ``relu(d_ap - d_an + margin)`` over all of them.

    Args:
        margin: ranking margin. Defaults to 0.3.
        loss_weight: scalar factor. Defaults to 1.0.
        hard_mining: batch-hard mining. Defaults to True.
    """

    def __init__(self, margin: float = 0.3, loss_weight: float = 1.0, hard_mining: bool = True):
        super().__init__()
        self.margin = margin
        self.loss_weight = loss_weight
        self.hard_mining = hard_mining

    def forward(self, inputs: Tensor, targets: Tensor) -> Tensor:
        """Loss of ``inputs`` ``(N, D)`` with identities ``targets`` ``(N,)``."""
        if inputs.dim() != 2 or targets.dim() != 1 or inputs.size(0) != targets.size(0):
            raise ValueError(
                "TripletLoss: inputs must be (N, D) and targets (N,), got "
                f"{tuple(inputs.shape)} and {tuple(targets.shape)}"
            )
        dist = pairwise_euclidean(inputs)
        same = targets[:, None] == targets[None, :]
        if self.hard_mining:
            dist_ap = dist.masked_fill(~same, float("-inf")).max(dim=1).values
            dist_an = dist.masked_fill(same, float("inf")).min(dim=1).values
            valid = same.logical_not().any(dim=1)
            if not bool(valid.any()):
                return inputs.sum() * 0
            loss = F.relu(dist_ap[valid] - dist_an[valid] + self.margin).mean()
            return self.loss_weight * loss
        eye = torch.eye(len(targets), dtype=torch.bool, device=targets.device)
        pos = same & ~eye
        # (a, p, n) validity and value: d[a, p] - d[a, n] + margin
        valid = pos[:, :, None] & (~same)[:, None, :]
        if not bool(valid.any()):
            return inputs.sum() * 0
        values = dist[:, :, None] - dist[:, None, :] + self.margin
        return self.loss_weight * F.relu(values[valid]).mean()
