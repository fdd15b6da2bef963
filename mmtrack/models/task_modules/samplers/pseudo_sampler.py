"""A sampler that takes every positive and negative."""

from __future__ import annotations

import torch
from mmengine.structures import InstanceData
from torch import Tensor

from mmtrack.registry import TASK_UTILS

from ..assigners.assign_result import AssignResult
from .base_sampler import BaseSampler
from .sampling_result import SamplingResult


@TASK_UTILS.register_module()
class PseudoSampler(BaseSampler):
    """Return all positives and negatives of the assignment (no gt boxes added)."""

    def __init__(self, **kwargs) -> None:
        pass

    def _sample_pos(self, assign_result: AssignResult, num_expected: int, **kwargs) -> Tensor:
        """All positives (``num_expected`` is not a bound here)."""
        return torch.nonzero(assign_result.gt_inds > 0, as_tuple=False).squeeze(-1).unique()

    def _sample_neg(self, assign_result: AssignResult, num_expected: int, **kwargs) -> Tensor:
        """All negatives (``num_expected`` is not a bound here)."""
        return torch.nonzero(assign_result.gt_inds == 0, as_tuple=False).squeeze(-1).unique()

    def sample(
        self,
        assign_result: AssignResult,
        pred_instances: InstanceData,
        gt_instances: InstanceData,
        **kwargs,
    ) -> SamplingResult:
        """Every prior with ``gt_inds > 0`` is positive, every one with 0 negative.

        ``avg_factor`` of the result counts positives only.
        """
        priors = pred_instances.priors[:, :4]
        gt_bboxes = gt_instances.bboxes
        pos_inds = self._sample_pos(assign_result, -1)
        neg_inds = self._sample_neg(assign_result, -1)
        gt_flags = priors.new_zeros(priors.shape[0], dtype=torch.uint8)
        return SamplingResult(
            pos_inds,
            neg_inds,
            priors,
            gt_bboxes,
            assign_result,
            gt_flags,
            avg_factor_with_neg=False,
        )
