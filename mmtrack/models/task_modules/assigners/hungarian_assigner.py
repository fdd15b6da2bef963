"""One-to-one Hungarian assignment of queries to ground truths (DETR, Mask2Former)."""

from __future__ import annotations

from typing import Optional, Sequence, Union

import torch
from mmengine.structures import InstanceData
from scipy.optimize import linear_sum_assignment

from mmtrack.registry import TASK_UTILS

from .assign_result import AssignResult
from .base_assigner import BaseAssigner


@TASK_UTILS.register_module()
class HungarianAssigner(BaseAssigner):
    """Match each gt to one prediction minimising the summed matching costs.

    The cost matrix ``(num_preds, num_gts)`` is the sum of ``match_costs``;
    :func:`scipy.optimize.linear_sum_assignment` solves it. Matched
    predictions get their gt (1-based index in ``gt_inds``, its label in
    ``labels``), all others 0 (background). With no gt every prediction is
    background.

    Args:
        match_costs: cost configs (``ClassificationCost``,
            ``CrossEntropyLossCost``, ``DiceCost``, ...) or one config.
    """

    def __init__(self, match_costs: Union[dict, Sequence[dict]]) -> None:
        if isinstance(match_costs, dict):
            match_costs = [match_costs]
        if not match_costs:
            raise ValueError("HungarianAssigner: match_costs must name at least one cost")
        self.match_costs = [TASK_UTILS.build(c) for c in match_costs]

    def assign(
        self,
        pred_instances: InstanceData,
        gt_instances: InstanceData,
        gt_instances_ignore: Optional[InstanceData] = None,
        img_meta: Optional[dict] = None,
        **kwargs,
    ) -> AssignResult:
        """Assign.

        Args:
            pred_instances: predictions (``scores`` logits ``(Q, C + 1)``,
                ``masks`` ``(Q, P)`` logits of sampled points, ...).
            gt_instances: ground truths (``labels`` ``(G,)``, ``masks``
                ``(G, P)`` 0/1 at the same points, ...).
            gt_instances_ignore: unused (no ignored gts). Defaults to None.
            img_meta: image meta information. Defaults to None.

        Returns:
            :class:`AssignResult` with ``gt_inds`` ``(Q,)`` (0 background,
            ``g + 1`` for gt ``g``) and ``labels`` ``(Q,)`` (-1 background).
        """
        num_gts, num_preds = len(gt_instances), len(pred_instances)
        device = gt_instances.labels.device
        gt_inds = torch.full((num_preds,), -1, dtype=torch.long, device=device)
        labels = torch.full((num_preds,), -1, dtype=torch.long, device=device)
        overlaps = torch.zeros(num_preds, device=device)
        if num_gts == 0 or num_preds == 0:
            if num_gts == 0:
                gt_inds[:] = 0
            return AssignResult(num_gts, gt_inds, overlaps, labels=labels)
        cost = torch.stack(
            [c(pred_instances, gt_instances, img_meta=img_meta) for c in self.match_costs]
        ).sum(0)
        cost = cost.detach().cpu().double()
        if not torch.isfinite(cost).all():
            raise ValueError("HungarianAssigner: the cost matrix has NaN or infinite entries")
        rows, cols = linear_sum_assignment(cost.numpy())
        rows = torch.from_numpy(rows).to(device)
        cols = torch.from_numpy(cols).to(device)
        gt_inds[:] = 0
        gt_inds[rows] = cols + 1
        labels[rows] = gt_instances.labels[cols]
        return AssignResult(num_gts, gt_inds, overlaps, labels=labels)
