"""Max-IoU assignment of ground truths to priors (RPN and R-CNN stages)."""

from __future__ import annotations

from typing import Optional, Union

import torch
from mmengine.structures import InstanceData
from torch import Tensor

from mmtrack.registry import TASK_UTILS

from .assign_result import AssignResult
from .base_assigner import BaseAssigner


@TASK_UTILS.register_module()
class MaxIoUAssigner(BaseAssigner):
    """Assign each prior the gt it overlaps most, by IoU thresholds.

    Each prior gets ``-1`` (ignore), ``0`` (negative) or a 1-based gt index:

    1. all priors start at -1;
    2. priors whose best IoU is in ``[0, neg_iou_thr)`` (or inside the
       ``[lo, hi]`` interval when ``neg_iou_thr`` is a tuple) become 0;
    3. priors whose best IoU is ``>= pos_iou_thr`` take that gt;
    4. with ``match_low_quality``, each gt whose best IoU is ``>= min_pos_iou``
       takes the prior(s) it overlaps most (all ties when
       ``gt_max_assign_all``), the last gt winning where they compete.

    Priors that overlap an ignored gt box by IoF ``> ignore_iof_thr`` get all
    their IoUs set to -1 first, so they end up ignored.

    Args:
        pos_iou_thr: IoU threshold of positives.
        neg_iou_thr: IoU threshold (or ``(lo, hi)`` interval) of negatives.
        min_pos_iou: least IoU of a low-quality match. Defaults to 0.0.
        gt_max_assign_all: give a gt all priors tied at its best IoU.
            Defaults to True.
        ignore_iof_thr: IoF threshold with ignored gt boxes; negative
            disables it. Defaults to -1.
        ignore_wrt_candidates: IoF relative to the priors (True) or to the
            ignored boxes (False). Defaults to True.
        match_low_quality: do step 4. Defaults to True.
        gpu_assign_thr: compute on the CPU when there are more gts than this
            (<= 0 never). Defaults to -1.
        iou_calculator: overlap calculator config. Defaults to
            ``dict(type='BboxOverlaps2D')``.
    """

    def __init__(
        self,
        pos_iou_thr: float,
        neg_iou_thr: Union[float, tuple[float, float]],
        min_pos_iou: float = 0.0,
        gt_max_assign_all: bool = True,
        ignore_iof_thr: float = -1,
        ignore_wrt_candidates: bool = True,
        match_low_quality: bool = True,
        gpu_assign_thr: float = -1,
        iou_calculator: Optional[dict] = None,
    ) -> None:
        if isinstance(neg_iou_thr, (list, tuple)):
            if len(neg_iou_thr) != 2:
                raise ValueError(
                    f"MaxIoUAssigner: neg_iou_thr must be a float or a (lo, hi) pair, "
                    f"got {neg_iou_thr!r}"
                )
            neg_iou_thr = (float(neg_iou_thr[0]), float(neg_iou_thr[1]))
        else:
            neg_iou_thr = float(neg_iou_thr)
        self.pos_iou_thr = float(pos_iou_thr)
        self.neg_iou_thr = neg_iou_thr
        self.min_pos_iou = float(min_pos_iou)
        self.gt_max_assign_all = gt_max_assign_all
        self.ignore_iof_thr = ignore_iof_thr
        self.ignore_wrt_candidates = ignore_wrt_candidates
        self.gpu_assign_thr = gpu_assign_thr
        self.match_low_quality = match_low_quality
        self.iou_calculator = TASK_UTILS.build(
            dict(type="BboxOverlaps2D") if iou_calculator is None else dict(iou_calculator)
        )

    def assign(
        self,
        pred_instances: InstanceData,
        gt_instances: InstanceData,
        gt_instances_ignore: Optional[InstanceData] = None,
        **kwargs,
    ) -> AssignResult:
        """Assign ground truths to priors.

        Args:
            pred_instances: ``priors`` ``(P, 4)`` x1y1x2y2 (anchors, points
                as boxes, or proposals).
            gt_instances: ``bboxes`` ``(G, 4)`` and ``labels`` ``(G,)``.
            gt_instances_ignore: ``bboxes`` ``(I, 4)`` to ignore. Defaults to None.

        Returns:
            The :class:`AssignResult`.
        """
        priors = pred_instances.priors
        gt_bboxes = gt_instances.bboxes
        gt_labels = gt_instances.labels
        gt_bboxes_ignore = None
        if gt_instances_ignore is not None and "bboxes" in gt_instances_ignore:
            gt_bboxes_ignore = gt_instances_ignore.bboxes

        on_cpu = self.gpu_assign_thr > 0 and gt_bboxes.shape[0] > self.gpu_assign_thr
        device = priors.device
        if on_cpu:
            priors, gt_bboxes, gt_labels = priors.cpu(), gt_bboxes.cpu(), gt_labels.cpu()
            if gt_bboxes_ignore is not None:
                gt_bboxes_ignore = gt_bboxes_ignore.cpu()

        overlaps = self.iou_calculator(gt_bboxes, priors)
        if (
            self.ignore_iof_thr > 0
            and gt_bboxes_ignore is not None
            and gt_bboxes_ignore.numel() > 0
            and priors.numel() > 0
        ):
            if self.ignore_wrt_candidates:
                ignore_max = self.iou_calculator(priors, gt_bboxes_ignore, mode="iof").max(dim=1)[0]
            else:
                ignore_max = self.iou_calculator(gt_bboxes_ignore, priors, mode="iof").max(dim=0)[0]
            overlaps[:, ignore_max > self.ignore_iof_thr] = -1

        result = self.assign_wrt_overlaps(overlaps, gt_labels)
        if on_cpu:
            result.gt_inds = result.gt_inds.to(device)
            result.max_overlaps = result.max_overlaps.to(device)
            if result.labels is not None:
                result.labels = result.labels.to(device)
        return result

    def assign_wrt_overlaps(self, overlaps: Tensor, gt_labels: Tensor) -> AssignResult:
        """Assign from a ``(G, P)`` overlap matrix (steps 1-4 of the class doc).

        Args:
            overlaps: ``(G, P)`` overlaps of gts with priors (-1 = ignored prior).
            gt_labels: ``(G,)`` gt labels.

        Returns:
            The :class:`AssignResult`.
        """
        num_gts, num_priors = overlaps.size(0), overlaps.size(1)
        assigned = overlaps.new_full((num_priors,), -1, dtype=torch.long)
        if num_gts == 0 or num_priors == 0:
            max_overlaps = overlaps.new_zeros((num_priors,))
            labels = overlaps.new_full((num_priors,), -1, dtype=torch.long)
            if num_gts == 0:
                assigned[:] = 0
            return AssignResult(num_gts, assigned, max_overlaps, labels=labels)

        max_overlaps, argmax_overlaps = overlaps.max(dim=0)
        gt_max_overlaps, gt_argmax_overlaps = overlaps.max(dim=1)

        # 2. negatives
        if isinstance(self.neg_iou_thr, tuple):
            lo, hi = self.neg_iou_thr
            assigned[(max_overlaps >= lo) & (max_overlaps <= hi)] = 0
        else:
            assigned[(max_overlaps >= 0) & (max_overlaps < self.neg_iou_thr)] = 0
        # 3. positives
        pos = max_overlaps >= self.pos_iou_thr
        assigned[pos] = argmax_overlaps[pos] + 1
        # 4. low-quality matches; a later gt overrides an earlier one
        if self.match_low_quality:
            gt_ok = gt_max_overlaps >= self.min_pos_iou
            gt_ids = torch.arange(1, num_gts + 1, device=overlaps.device)
            if self.gt_max_assign_all:
                hits = (overlaps == gt_max_overlaps[:, None]) & gt_ok[:, None]
                winner = (hits.long() * gt_ids[:, None]).max(dim=0)[0]
            else:
                winner = torch.zeros(num_priors, dtype=torch.long, device=overlaps.device)
                winner.scatter_reduce_(0, gt_argmax_overlaps[gt_ok], gt_ids[gt_ok], reduce="amax")
            assigned = torch.where(winner > 0, winner, assigned)

        labels = assigned.new_full((num_priors,), -1)
        pos_inds = torch.nonzero(assigned > 0, as_tuple=False).squeeze(1)
        if pos_inds.numel() > 0:
            labels[pos_inds] = gt_labels[assigned[pos_inds] - 1].long()
        return AssignResult(num_gts, assigned, max_overlaps, labels=labels)
