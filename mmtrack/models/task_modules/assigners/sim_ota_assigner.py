"""SimOTA label assignment of YOLOX."""

from __future__ import annotations

from typing import Optional

import torch
import torch.nn.functional as F
from mmengine.structures import InstanceData
from torch import Tensor

from mmtrack.registry import TASK_UTILS

from .assign_result import AssignResult
from .base_assigner import BaseAssigner

INF = 100000.0
EPS = 1.0e-7


@TASK_UTILS.register_module()
class SimOTAAssigner(BaseAssigner):
    """SimOTA: dynamic top-k matching between point priors and ground truth.

    Steps (YOLOX, Ge et al. 2021, Sec. 2.2 "SimOTA"):

    1. Candidates: priors whose point lies inside a gt box or inside the
       ``center_radius``-stride square around a gt centre (any gt).
    2. Cost of candidate ``i`` for gt ``j``:
       ``cls_weight * BCE(score_i, onehot(label_j)) - iou_weight * log(IoU_ij + 1e-7)``
       plus ``INF`` unless point ``i`` is inside *both* gt box ``j`` and its
       centre square.
    3. Dynamic k: ``k_j = max(int(sum of the candidate_topk largest IoU_.j), 1)``;
       gt ``j`` takes the ``k_j`` cheapest candidates.
    4. A prior taken by several gts keeps only the cheapest one.

    Args:
        center_radius: half-size of the centre square, in strides.
            Defaults to 2.5.
        candidate_topk: number of IoUs summed for the dynamic k. Defaults to 10.
        iou_weight: weight of the IoU cost. Defaults to 3.0.
        cls_weight: weight of the classification cost. Defaults to 1.0.
        iou_calculator: config of the pairwise IoU calculator (in
            ``TASK_UTILS``). Defaults to ``dict(type='BboxOverlaps2D')``.
    """

    def __init__(
        self,
        center_radius: float = 2.5,
        candidate_topk: int = 10,
        iou_weight: float = 3.0,
        cls_weight: float = 1.0,
        iou_calculator: Optional[dict] = None,
    ) -> None:
        self.center_radius = center_radius
        self.candidate_topk = candidate_topk
        self.iou_weight = iou_weight
        self.cls_weight = cls_weight
        if iou_calculator is None:
            iou_calculator = dict(type="BboxOverlaps2D")
        self.iou_calculator = TASK_UTILS.build(iou_calculator)

    def assign(
        self,
        pred_instances: InstanceData,
        gt_instances: InstanceData,
        gt_instances_ignore: Optional[InstanceData] = None,
        **kwargs,
    ) -> AssignResult:
        """Assign ground truth to priors.

        Args:
            pred_instances: ``priors`` ``(P, 4)`` as ``(x, y, stride_w, stride_h)``
                (YOLOX passes cell centres), ``bboxes`` ``(P, 4)`` decoded
                predictions in xyxy pixels and ``scores`` ``(P, C)`` in [0, 1].
            gt_instances: ``bboxes`` ``(G, 4)`` xyxy and ``labels`` ``(G,)``.
            gt_instances_ignore: unused (SimOTA ignores nothing). Defaults to None.

        Returns:
            :class:`AssignResult` with ``gt_inds`` ``(P,)`` (0 negative,
            ``j + 1`` for gt ``j``), ``max_overlaps`` ``(P,)`` (IoU of the
            prediction with its gt, ``-INF`` for non-candidates) and
            ``labels`` ``(P,)`` (-1 for negatives).
        """
        gt_bboxes = gt_instances.bboxes
        gt_labels = gt_instances.labels
        num_gt = gt_bboxes.size(0)
        decoded_bboxes = pred_instances.bboxes
        pred_scores = pred_instances.scores
        priors = pred_instances.priors
        num_bboxes = decoded_bboxes.size(0)

        assigned_gt_inds = decoded_bboxes.new_full((num_bboxes,), 0, dtype=torch.long)
        if num_gt == 0 or num_bboxes == 0:
            return self._empty_result(num_gt, assigned_gt_inds)

        # 1. candidates
        valid_mask, is_in_boxes_and_centers = self.get_in_gt_and_in_center_info(priors, gt_bboxes)
        valid_decoded_bbox = decoded_bboxes[valid_mask]
        valid_pred_scores = pred_scores[valid_mask]
        num_valid = valid_decoded_bbox.size(0)
        if num_valid == 0:
            return self._empty_result(num_gt, assigned_gt_inds)

        # 2. cost matrix (num_valid, num_gt)
        pairwise_ious = self.iou_calculator(valid_decoded_bbox, gt_bboxes)
        iou_cost = -torch.log(pairwise_ious + EPS)
        num_classes = pred_scores.shape[-1]
        gt_onehot = F.one_hot(gt_labels.to(torch.int64), num_classes).float()
        with torch.autocast(device_type=pred_scores.device.type, enabled=False):
            scores = valid_pred_scores.float().unsqueeze(1).expand(num_valid, num_gt, num_classes)
            cls_cost = F.binary_cross_entropy(
                scores,
                gt_onehot.unsqueeze(0).expand(num_valid, num_gt, num_classes),
                reduction="none",
            ).sum(-1)
        cost_matrix = (
            cls_cost * self.cls_weight
            + iou_cost.float() * self.iou_weight
            + (~is_in_boxes_and_centers).float() * INF
        )

        # 3.-4. dynamic k matching
        fg_mask_valid, matched_pred_ious, matched_gt_inds = self.dynamic_k_matching(
            cost_matrix, pairwise_ious, num_gt
        )
        fg_mask = valid_mask.clone()
        fg_mask[valid_mask] = fg_mask_valid

        assigned_gt_inds[fg_mask] = matched_gt_inds + 1
        assigned_labels = assigned_gt_inds.new_full((num_bboxes,), -1)
        assigned_labels[fg_mask] = gt_labels[matched_gt_inds].long()
        max_overlaps = decoded_bboxes.new_full((num_bboxes,), -INF, dtype=torch.float32)
        max_overlaps[fg_mask] = matched_pred_ious.float()
        return AssignResult(num_gt, assigned_gt_inds, max_overlaps, labels=assigned_labels)

    @staticmethod
    def _empty_result(num_gt: int, assigned_gt_inds: Tensor) -> AssignResult:
        num_bboxes = assigned_gt_inds.numel()
        max_overlaps = assigned_gt_inds.new_zeros((num_bboxes,), dtype=torch.float32)
        labels = assigned_gt_inds.new_full((num_bboxes,), -1)
        return AssignResult(num_gt, assigned_gt_inds, max_overlaps, labels=labels)

    def get_in_gt_and_in_center_info(
        self, priors: Tensor, gt_bboxes: Tensor
    ) -> tuple[Tensor, Tensor]:
        """Which priors lie inside gt boxes and gt centre squares.

        Args:
            priors: ``(P, 4)`` ``(x, y, stride_w, stride_h)``.
            gt_bboxes: ``(G, 4)`` xyxy.

        Returns:
            ``valid_mask`` ``(P,)``: inside some gt box or some centre square;
            ``is_in_boxes_and_centers`` ``(num_valid, G)``: inside both the box
            and the centre square of gt ``j`` (strict inequalities).
        """
        x = priors[:, 0:1]
        y = priors[:, 1:2]
        stride_x = priors[:, 2:3]
        stride_y = priors[:, 3:4]

        # inside the box: all of (l, t, r, b) distances > 0, shape (P, G)
        deltas = torch.stack(
            [x - gt_bboxes[:, 0], y - gt_bboxes[:, 1], gt_bboxes[:, 2] - x, gt_bboxes[:, 3] - y],
            dim=1,
        )
        is_in_gts = deltas.min(dim=1).values > 0

        # inside the centre square of half-size center_radius * stride
        gt_cxs = (gt_bboxes[:, 0] + gt_bboxes[:, 2]) / 2.0
        gt_cys = (gt_bboxes[:, 1] + gt_bboxes[:, 3]) / 2.0
        radius_x = self.center_radius * stride_x
        radius_y = self.center_radius * stride_y
        ct_deltas = torch.stack(
            [
                x - (gt_cxs - radius_x),
                y - (gt_cys - radius_y),
                (gt_cxs + radius_x) - x,
                (gt_cys + radius_y) - y,
            ],
            dim=1,
        )
        is_in_cts = ct_deltas.min(dim=1).values > 0

        valid_mask = is_in_gts.any(dim=1) | is_in_cts.any(dim=1)
        is_in_boxes_and_centers = is_in_gts[valid_mask] & is_in_cts[valid_mask]
        return valid_mask, is_in_boxes_and_centers

    def dynamic_k_matching(
        self, cost: Tensor, pairwise_ious: Tensor, num_gt: int
    ) -> tuple[Tensor, Tensor, Tensor]:
        """Dynamic top-k matching on the candidates.

        Args:
            cost: ``(V, G)`` cost matrix.
            pairwise_ious: ``(V, G)`` IoU of candidate predictions with gts.
            num_gt: ``G``.

        Returns:
            ``fg_mask`` ``(V,)`` bool (matched candidates),
            ``matched_pred_ious`` ``(F,)`` and ``matched_gt_inds`` ``(F,)``
            (0-based) for the ``F`` matched candidates.
        """
        matching_matrix = torch.zeros_like(cost, dtype=torch.uint8)
        candidate_topk = min(self.candidate_topk, pairwise_ious.size(0))
        topk_ious, _ = torch.topk(pairwise_ious, candidate_topk, dim=0)
        dynamic_ks = torch.clamp(topk_ious.sum(0).int(), min=1).tolist()
        for gt_idx in range(num_gt):
            _, pos_idx = torch.topk(cost[:, gt_idx], k=dynamic_ks[gt_idx], largest=False)
            matching_matrix[pos_idx, gt_idx] = 1

        multiple_match = matching_matrix.sum(1) > 1
        if multiple_match.any():
            cost_argmin = cost[multiple_match, :].argmin(dim=1)
            matching_matrix[multiple_match, :] = 0
            matching_matrix[multiple_match, cost_argmin] = 1
        fg_mask = matching_matrix.sum(1) > 0
        matched_gt_inds = matching_matrix[fg_mask, :].argmax(1)
        matched_pred_ious = (matching_matrix * pairwise_ious).sum(1)[fg_mask]
        return fg_mask, matched_pred_ious, matched_gt_inds
