"""Sampler interface: pick positives and negatives from an assignment."""

from __future__ import annotations

from abc import ABCMeta, abstractmethod

import torch
from mmengine.structures import InstanceData
from torch import Tensor

from ..assigners.assign_result import AssignResult
from .sampling_result import SamplingResult


class BaseSampler(metaclass=ABCMeta):
    """Sample ``num`` priors with at most ``num * pos_fraction`` positives.

    Args:
        num: number of samples per image.
        pos_fraction: largest fraction of positives.
        neg_pos_ub: at most this many negatives per positive (negative:
            no bound). Defaults to -1.
        add_gt_as_proposals: add the gt boxes to the priors (as positives)
            before sampling. Defaults to True.
    """

    def __init__(
        self,
        num: int,
        pos_fraction: float,
        neg_pos_ub: float = -1,
        add_gt_as_proposals: bool = True,
        **kwargs,
    ) -> None:
        if num < 0 or not 0 <= pos_fraction <= 1:
            raise ValueError(
                f"{type(self).__name__}: need num >= 0 and 0 <= pos_fraction <= 1, got "
                f"num={num}, pos_fraction={pos_fraction}"
            )
        self.num = num
        self.pos_fraction = pos_fraction
        self.neg_pos_ub = neg_pos_ub
        self.add_gt_as_proposals = add_gt_as_proposals

    @abstractmethod
    def _sample_pos(self, assign_result: AssignResult, num_expected: int, **kwargs) -> Tensor:
        """Indices of at most ``num_expected`` positives."""

    @abstractmethod
    def _sample_neg(self, assign_result: AssignResult, num_expected: int, **kwargs) -> Tensor:
        """Indices of at most ``num_expected`` negatives."""

    def sample(
        self,
        assign_result: AssignResult,
        pred_instances: InstanceData,
        gt_instances: InstanceData,
        **kwargs,
    ) -> SamplingResult:
        """Sample positives and negatives.

        Args:
            assign_result: assignment of ``pred_instances.priors``; changed in
                place when gt boxes are added.
            pred_instances: ``priors`` ``(P, 4)`` (boxes; extra score columns are dropped).
            gt_instances: ``bboxes`` ``(G, 4)`` and ``labels`` ``(G,)``.

        Returns:
            The :class:`SamplingResult`.
        """
        gt_bboxes = gt_instances.bboxes
        gt_labels = gt_instances.labels
        priors = pred_instances.priors
        if priors.dim() < 2:
            priors = priors[None, :]
        priors = priors[:, :4]
        gt_flags = priors.new_zeros((priors.shape[0],), dtype=torch.uint8)
        if self.add_gt_as_proposals and len(gt_bboxes) > 0:
            priors = torch.cat([gt_bboxes.to(priors.dtype), priors], dim=0)
            assign_result.add_gt_(gt_labels)
            gt_flags = torch.cat([priors.new_ones(gt_bboxes.shape[0], dtype=torch.uint8), gt_flags])

        num_expected_pos = int(self.num * self.pos_fraction)
        pos_inds = self._sample_pos(assign_result, num_expected_pos, bboxes=priors, **kwargs)
        pos_inds = pos_inds.unique()
        num_sampled_pos = pos_inds.numel()
        num_expected_neg = self.num - num_sampled_pos
        if self.neg_pos_ub >= 0:
            neg_upper_bound = int(self.neg_pos_ub * max(1, num_sampled_pos))
            num_expected_neg = min(num_expected_neg, neg_upper_bound)
        neg_inds = self._sample_neg(assign_result, num_expected_neg, bboxes=priors, **kwargs)
        neg_inds = neg_inds.unique()
        return SamplingResult(pos_inds, neg_inds, priors, gt_bboxes, assign_result, gt_flags)
