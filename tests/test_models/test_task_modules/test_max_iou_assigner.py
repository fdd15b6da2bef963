"""MaxIoUAssigner on hand-made boxes whose IoUs are worked out in comments."""

import pytest
import torch
from mmengine.structures import InstanceData

from mmtrack.registry import TASK_UTILS
from mmtrack.utils import register_all_modules

register_all_modules()

# gt 0: [0, 0, 10, 10]   gt 1: [20, 0, 30, 10]
GTS = InstanceData(
    bboxes=torch.tensor([[0.0, 0.0, 10.0, 10.0], [20.0, 0.0, 30.0, 10.0]]),
    labels=torch.tensor([3, 7]),
)
# prior 0: same as gt 0          -> IoU 1 with gt 0
# prior 1: [0, 0, 10, 5]          -> IoU 50/100 = 0.5 with gt 0
# prior 2: [5, 0, 15, 10]         -> IoU 50/150 = 1/3 with gt 0
# prior 3: [100, 100, 110, 110]   -> IoU 0
# prior 4: [22, 0, 30, 10]        -> IoU 80/100 = 0.8 with gt 1
# prior 5: [18, 0, 28, 10]        -> IoU 80/120 = 2/3 with gt 1
PRIORS = InstanceData(
    priors=torch.tensor(
        [
            [0.0, 0.0, 10.0, 10.0],
            [0.0, 0.0, 10.0, 5.0],
            [5.0, 0.0, 15.0, 10.0],
            [100.0, 100.0, 110.0, 110.0],
            [22.0, 0.0, 30.0, 10.0],
            [18.0, 0.0, 28.0, 10.0],
        ]
    )
)


def _assigner(**kw):
    return TASK_UTILS.build(dict(type="MaxIoUAssigner", **kw))


def test_rcnn_thresholds():
    res = _assigner(pos_iou_thr=0.5, neg_iou_thr=0.5, min_pos_iou=0.5, match_low_quality=False)
    r = res.assign(PRIORS, GTS)
    assert r.gt_inds.tolist() == [1, 1, 0, 0, 2, 2]
    assert r.labels.tolist() == [3, 3, -1, -1, 7, 7]
    assert r.max_overlaps.tolist() == pytest.approx([1, 0.5, 1 / 3, 0, 0.8, 2 / 3], rel=1e-5)
    assert r.num_gts == 2 and r.num_preds == 6


def test_rpn_thresholds_and_ignore_band():
    r = _assigner(pos_iou_thr=0.7, neg_iou_thr=0.3, min_pos_iou=0.3).assign(PRIORS, GTS)
    # 0.5, 1/3 and 2/3 fall between 0.3 and 0.7 -> ignored (-1); gt maxima 1.0, 0.8 already pos
    assert r.gt_inds.tolist() == [1, -1, -1, 0, 2, -1]


def test_low_quality_match_and_gt_max_assign_all():
    gts = InstanceData(bboxes=torch.tensor([[0.0, 0.0, 10.0, 10.0]]), labels=torch.tensor([0]))
    priors = InstanceData(
        priors=torch.tensor(
            [
                [5.0, 0.0, 15.0, 10.0],  # IoU 1/3
                [-5.0, 0.0, 5.0, 10.0],  # IoU 1/3 (tie)
                [0.0, 0.0, 10.0, 2.0],  # IoU 0.2
            ]
        )
    )
    r = _assigner(pos_iou_thr=0.7, neg_iou_thr=0.3, min_pos_iou=0.3).assign(priors, gts)
    assert r.gt_inds.tolist() == [1, 1, 0]
    r = _assigner(
        pos_iou_thr=0.7, neg_iou_thr=0.3, min_pos_iou=0.3, gt_max_assign_all=False
    ).assign(priors, gts)
    assert r.gt_inds.tolist() == [1, -1, 0]
    # best IoU below min_pos_iou -> no low-quality match
    r = _assigner(pos_iou_thr=0.7, neg_iou_thr=0.3, min_pos_iou=0.5).assign(priors, gts)
    assert r.gt_inds.tolist() == [-1, -1, 0]
    # later gt wins a prior both gts take as their best
    two = InstanceData(
        bboxes=torch.tensor([[0.0, 0.0, 10.0, 10.0], [0.0, 0.0, 10.0, 10.0]]),
        labels=torch.tensor([4, 5]),
    )
    r = _assigner(pos_iou_thr=0.9, neg_iou_thr=0.1, min_pos_iou=0.3).assign(priors, two)
    # prior 2 (IoU 0.2) is neither pos nor below neg_iou_thr=0.1 -> ignored
    assert r.gt_inds.tolist() == [2, 2, -1] and r.labels.tolist() == [5, 5, -1]


def test_tuple_neg_thr_and_ignore_boxes():
    r = _assigner(pos_iou_thr=0.7, neg_iou_thr=(0.1, 0.4), match_low_quality=False).assign(
        PRIORS, GTS
    )
    # IoU 0 (prior 3) is outside [0.1, 0.4] -> stays -1; 1/3 -> negative
    assert r.gt_inds.tolist() == [1, -1, 0, -1, 2, -1]
    ignore = InstanceData(bboxes=torch.tensor([[95.0, 95.0, 120.0, 120.0]]))
    r = _assigner(
        pos_iou_thr=0.5, neg_iou_thr=0.5, ignore_iof_thr=0.5, match_low_quality=False
    ).assign(PRIORS, GTS, ignore)
    # prior 3 lies fully inside the ignored box (IoF 1) -> -1
    assert r.gt_inds.tolist() == [1, 1, 0, -1, 2, 2]


def test_empty_gt_and_empty_priors():
    a = _assigner(pos_iou_thr=0.5, neg_iou_thr=0.5)
    empty = InstanceData(bboxes=torch.zeros(0, 4), labels=torch.zeros(0, dtype=torch.long))
    r = a.assign(PRIORS, empty)
    assert r.gt_inds.tolist() == [0] * 6 and r.labels.tolist() == [-1] * 6
    r = a.assign(InstanceData(priors=torch.zeros(0, 4)), GTS)
    assert r.gt_inds.numel() == 0 and r.num_gts == 2


def test_assign_result_add_gt():
    r = _assigner(pos_iou_thr=0.5, neg_iou_thr=0.5).assign(PRIORS, GTS)
    r.add_gt_(GTS.labels)
    assert r.gt_inds[:2].tolist() == [1, 2] and r.labels[:2].tolist() == [3, 7]
    assert r.max_overlaps[:2].tolist() == [1.0, 1.0] and r.num_preds == 8
