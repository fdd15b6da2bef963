"""Sampled positive and negative priors of one image."""

from __future__ import annotations

import torch
from torch import Tensor

from ..assigners.assign_result import AssignResult


class SamplingResult:
    """Positives and negatives chosen by a sampler, with their targets.

    Args:
        pos_inds: ``(p,)`` indices of the positive priors.
        neg_inds: ``(n,)`` indices of the negative priors.
        priors: ``(P, 4)`` all priors (gt boxes first when they were added).
        gt_bboxes: ``(G, 4)`` gt boxes.
        assign_result: the assignment the sampling was made from.
        gt_flags: ``(P,)`` uint8, 1 for priors that are gt boxes.
        avg_factor_with_neg: ``avg_factor`` counts negatives too.
            Defaults to True.

    Attributes:
        pos_priors / neg_priors: ``(p, 4)`` / ``(n, 4)`` boxes.
        pos_assigned_gt_inds: ``(p,)`` 0-based gt index of each positive.
        pos_gt_bboxes: ``(p, 4)`` the assigned gt boxes.
        pos_gt_labels: ``(p,)`` the assigned labels.
        pos_is_gt: ``(p,)`` whether each positive is a gt box.
        avg_factor: ``max(p, 1) + max(n, 1)``, or ``max(p, 1)`` without negatives.
    """

    def __init__(
        self,
        pos_inds: Tensor,
        neg_inds: Tensor,
        priors: Tensor,
        gt_bboxes: Tensor,
        assign_result: AssignResult,
        gt_flags: Tensor,
        avg_factor_with_neg: bool = True,
    ) -> None:
        self.pos_inds = pos_inds
        self.neg_inds = neg_inds
        self.num_pos = max(pos_inds.numel(), 1)
        self.num_neg = max(neg_inds.numel(), 1)
        self.avg_factor_with_neg = avg_factor_with_neg
        self.avg_factor = self.num_pos + self.num_neg if avg_factor_with_neg else self.num_pos
        self.pos_priors = priors[pos_inds]
        self.neg_priors = priors[neg_inds]
        self.pos_is_gt = gt_flags[pos_inds]
        self.num_gts = gt_bboxes.shape[0]
        self.pos_assigned_gt_inds = assign_result.gt_inds[pos_inds] - 1
        labels = assign_result.labels
        self.pos_gt_labels = labels[pos_inds] if labels is not None else None
        if gt_bboxes.numel() == 0:
            if self.pos_assigned_gt_inds.numel() != 0:
                raise ValueError("SamplingResult: positives assigned but there are no gt boxes")
            self.pos_gt_bboxes = gt_bboxes.view(-1, 4)
        else:
            self.pos_gt_bboxes = gt_bboxes.view(-1, 4)[self.pos_assigned_gt_inds.long()]

    @property
    def priors(self) -> Tensor:
        """``(p + n, 4)`` positives followed by negatives."""
        return torch.cat([self.pos_priors, self.neg_priors])

    # MMDetection 2.x names
    bboxes = priors

    @property
    def pos_bboxes(self) -> Tensor:
        """Alias of ``pos_priors``."""
        return self.pos_priors

    @property
    def neg_bboxes(self) -> Tensor:
        """Alias of ``neg_priors``."""
        return self.neg_priors

    def to(self, device) -> SamplingResult:  # noqa: ANN001
        """Move every tensor attribute to ``device`` (in place) and return self."""
        for key, value in vars(self).items():
            if isinstance(value, Tensor):
                setattr(self, key, value.to(device))
        return self

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(num_gts={self.num_gts}, pos={self.pos_inds.numel()}, "
            f"neg={self.neg_inds.numel()})"
        )
