"""Samplers of QDTrack's track head: ``CombinedSampler`` and ``InstanceBalancedPosSampler``."""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from mmtrack.models.task_modules.assigners.assign_result import AssignResult
from mmtrack.models.task_modules.samplers import BaseSampler, RandomSampler
from mmtrack.registry import TASK_UTILS


@TASK_UTILS.register_module()
class InstanceBalancedPosSampler(RandomSampler):
    """Positives spread evenly over the gt instances (MMDetection's sampler).

    With more positives than wanted, each gt contributes at most
    ``round(num_expected / num_gts) + 1`` of its positives (randomly chosen);
    the quota left is filled with random other positives, and an excess is
    cut randomly. Negatives are sampled uniformly.
    """

    def _sample_pos(self, assign_result: AssignResult, num_expected: int, **kwargs) -> Tensor:
        pos_inds = torch.nonzero(assign_result.gt_inds > 0, as_tuple=False).squeeze(1)
        if pos_inds.numel() <= num_expected:
            return pos_inds
        gt_ids = assign_result.gt_inds[pos_inds].unique()
        num_per_gt = int(round(num_expected / float(len(gt_ids)))) + 1
        chosen = []
        for g in gt_ids:
            inds = torch.nonzero(assign_result.gt_inds == g.item(), as_tuple=False).squeeze(1)
            if len(inds) > num_per_gt:
                inds = self.random_choice(inds, num_per_gt)
            chosen.append(inds)
        sampled = torch.cat(chosen)
        if len(sampled) < num_expected:
            rest = np.setdiff1d(pos_inds.cpu().numpy(), sampled.cpu().numpy())
            rest = torch.from_numpy(rest).to(pos_inds.device)
            extra = num_expected - len(sampled)
            if len(rest) > extra:
                rest = self.random_choice(rest, extra)
            sampled = torch.cat([sampled, rest.long()])
        elif len(sampled) > num_expected:
            sampled = self.random_choice(sampled, num_expected)
        return sampled


@TASK_UTILS.register_module()
class CombinedSampler(BaseSampler):
    """Positives from one sampler, negatives from another.

    Args:
        num: samples per image.
        pos_fraction: largest fraction of positives.
        pos_sampler: config of the positive sampler (gets ``num``,
            ``pos_fraction``, ... as defaults).
        neg_sampler: config of the negative sampler.
        **kwargs: ``neg_pos_ub``, ``add_gt_as_proposals``.
    """

    def __init__(
        self, num: int, pos_fraction: float, pos_sampler: dict, neg_sampler: dict, **kwargs
    ) -> None:
        super().__init__(num, pos_fraction, **kwargs)
        defaults = dict(num=num, pos_fraction=pos_fraction, **kwargs)
        self.pos_sampler = TASK_UTILS.build(pos_sampler, default_args=defaults)
        self.neg_sampler = TASK_UTILS.build(neg_sampler, default_args=defaults)

    def _sample_pos(self, assign_result: AssignResult, num_expected: int, **kwargs) -> Tensor:
        return self.pos_sampler._sample_pos(assign_result, num_expected, **kwargs)

    def _sample_neg(self, assign_result: AssignResult, num_expected: int, **kwargs) -> Tensor:
        return self.neg_sampler._sample_neg(assign_result, num_expected, **kwargs)
