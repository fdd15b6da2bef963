"""Uniform random sampling of positives and negatives."""

from __future__ import annotations

import torch
from torch import Tensor

from mmtrack.registry import TASK_UTILS

from ..assigners.assign_result import AssignResult
from .base_sampler import BaseSampler


@TASK_UTILS.register_module()
class RandomSampler(BaseSampler):
    """Sample positives and negatives uniformly at random.

    Args:
        num: number of samples per image.
        pos_fraction: largest fraction of positives.
        neg_pos_ub: largest negatives-per-positive ratio (negative: none).
            Defaults to -1.
        add_gt_as_proposals: add the gt boxes as positive priors. Defaults to True.
    """

    def __init__(
        self,
        num: int,
        pos_fraction: float,
        neg_pos_ub: float = -1,
        add_gt_as_proposals: bool = True,
        **kwargs,
    ) -> None:
        super().__init__(num, pos_fraction, neg_pos_ub, add_gt_as_proposals)

    @staticmethod
    def random_choice(gallery: Tensor, num: int) -> Tensor:
        """``num`` elements of ``gallery`` without replacement (``num <= len``)."""
        if num > len(gallery):
            raise ValueError(f"RandomSampler.random_choice: {num} > gallery size {len(gallery)}")
        perm = torch.randperm(gallery.numel(), device=gallery.device)[:num]
        return gallery[perm]

    def _sample_pos(self, assign_result: AssignResult, num_expected: int, **kwargs) -> Tensor:
        pos_inds = torch.nonzero(assign_result.gt_inds > 0, as_tuple=False).squeeze(1)
        if pos_inds.numel() <= num_expected:
            return pos_inds
        return self.random_choice(pos_inds, num_expected)

    def _sample_neg(self, assign_result: AssignResult, num_expected: int, **kwargs) -> Tensor:
        neg_inds = torch.nonzero(assign_result.gt_inds == 0, as_tuple=False).squeeze(1)
        if neg_inds.numel() <= num_expected:
            return neg_inds
        return self.random_choice(neg_inds, num_expected)
