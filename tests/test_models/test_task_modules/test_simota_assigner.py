"""SimOTAAssigner on hand-made two-object cases.

Cost (YOLOX paper, Sec. 2.2): ``BCE(score, onehot) + 3 * -log(IoU + 1e-7)``,
``+ 1e5`` unless the prior is inside both the gt box and its 2.5-stride
centre square; dynamic ``k = max(int(sum of the top-10 IoUs), 1)``.
"""

import math

import torch
from mmengine.structures import InstanceData

from mmtrack.registry import TASK_UTILS
from mmtrack.utils import register_all_modules

register_all_modules()

INF = 100000.0


def _assigner(**kw):
    return TASK_UTILS.build(dict(type="SimOTAAssigner", center_radius=2.5, **kw))


def _bce(scores, label):
    return sum(-math.log(s if c == label else 1 - s) for c, s in enumerate(scores))


def test_two_objects_hand_derived():
    # stride 8 -> centre squares of half-size 20 px
    # A = [0, 0, 60, 40] (label 0): centre (30, 20), square x in (10, 50), y in (0, 40)
    # B = [70, 10, 90, 30] (label 1): centre (80, 20), square x in (60, 100), y in (0, 40)
    gt = InstanceData(
        bboxes=torch.tensor([[0.0, 0.0, 60.0, 40.0], [70.0, 10.0, 90.0, 30.0]]),
        labels=torch.tensor([0, 1]),
    )
    #        prior point   predicted box            (score0, score1)  where it lies
    rows = [
        ((5, 20), [0, 0, 60, 20], (0.5, 0.5)),  # p0 box A only -> INF; IoU_A .5
        ((20, 20), [0, 0, 60, 40], (0.9, 0.1)),  # p1 A box+centre; IoU_A 1
        ((30, 20), [0, 0, 30, 40], (0.5, 0.5)),  # p2 A box+centre; IoU_A .5
        ((40, 20), [30, 0, 60, 40], (0.8, 0.2)),  # p3 A box+centre; IoU_A .5
        ((55, 20), [0, 0, 60, 8], (0.9, 0.1)),  # p4 box A only -> INF; IoU_A .2
        ((65, 20), [70, 10, 90, 30], (0.1, 0.9)),  # p5 centre B only -> INF; IoU_B 1
        ((75, 20), [70, 10, 80, 30], (0.2, 0.6)),  # p6 B box+centre; IoU_B .5
        ((85, 20), [75, 10, 95, 30], (0.3, 0.7)),  # p7 B box+centre; IoU_B 300/500
        ((80, 28), [70, 10, 90, 14], (0.5, 0.5)),  # p8 B box+centre; IoU_B .2
        ((120, 20), [100, 0, 140, 40], (0.9, 0.9)),  # p9 nowhere -> not a candidate
    ]
    pred = InstanceData(
        priors=torch.tensor([[x, y, 8.0, 8.0] for (x, y), _, _ in rows]),
        bboxes=torch.tensor([b for _, b, _ in rows], dtype=torch.float32),
        scores=torch.tensor([s for _, _, s in rows]),
    )

    # dynamic k: A: 0.5 + 1 + 0.5 + 0.5 + 0.2 = 2.7 -> 2;  B: 1 + 0.5 + 0.6 + 0.2 = 2.3 -> 2
    # finite costs for A: p1 = bce(.9,.1|0) + 0 = 0.21, p3 = 0.45 + 3*log2 = 2.53,
    #                     p2 = 1.39 + 2.08 = 3.47  -> A takes p1, p3
    cost = {
        1: _bce((0.9, 0.1), 0) - 3 * math.log(1 + 1e-7),
        2: _bce((0.5, 0.5), 0) - 3 * math.log(0.5 + 1e-7),
        3: _bce((0.8, 0.2), 0) - 3 * math.log(0.5 + 1e-7),
    }
    assert sorted(cost, key=cost.get)[:2] == [1, 3]
    # for B: p7 = 0.71 + 3*-log .6 = 2.25, p6 = 0.73 + 2.08 = 2.81, p8 = 1.39 + 4.83 = 6.21
    cost_b = {
        6: _bce((0.2, 0.6), 1) - 3 * math.log(0.5 + 1e-7),
        7: _bce((0.3, 0.7), 1) - 3 * math.log(0.6 + 1e-7),
        8: _bce((0.5, 0.5), 1) - 3 * math.log(0.2 + 1e-7),
    }
    assert sorted(cost_b, key=cost_b.get)[:2] == [7, 6]
    # p5 has IoU 1 and a 0.9 score for B, but lies outside B's box: INF, not chosen

    result = _assigner().assign(pred, gt)
    assert result.num_gts == 2
    assert result.gt_inds.tolist() == [0, 1, 0, 1, 0, 0, 2, 2, 0, 0]
    assert result.labels.tolist() == [-1, 0, -1, 0, -1, -1, 1, 1, -1, -1]
    expected_iou = [-INF, 1.0, -INF, 0.5, -INF, -INF, 0.5, 0.6, -INF, -INF]
    assert torch.allclose(result.max_overlaps, torch.tensor(expected_iou), atol=1e-6)


def test_prior_wanted_by_two_gts_goes_to_the_cheaper():
    # two gts on the same box; both pick p0 (k = int(1 + 0.25) = 1 each)
    gt = InstanceData(
        bboxes=torch.tensor([[0.0, 0.0, 32.0, 32.0], [0.0, 0.0, 32.0, 32.0]]),
        labels=torch.tensor([0, 1]),
    )
    pred = InstanceData(
        priors=torch.tensor([[16.0, 16.0, 8.0, 8.0], [8.0, 8.0, 8.0, 8.0]]),
        bboxes=torch.tensor([[0.0, 0.0, 32.0, 32.0], [0.0, 0.0, 16.0, 16.0]]),
        scores=torch.tensor([[0.9, 0.3], [0.5, 0.5]]),
    )
    # p0 for A: -log .9 - log .7 = 0.46; for B: -log .1 - log .3 = 3.51 -> A keeps p0
    assert _bce((0.9, 0.3), 0) < _bce((0.9, 0.3), 1)
    # p1 (IoU .25) costs 1.39 + 3 * 1.39 for either gt: more than p0 for both
    result = _assigner().assign(pred, gt)
    assert result.gt_inds.tolist() == [1, 0]
    assert result.labels.tolist() == [0, -1]
    assert result.max_overlaps[0].item() == 1.0


def test_dynamic_k_uses_only_top_candidates():
    # 12 identical candidates with IoU .5 inside one gt: top-10 sum = 5 -> k = 5;
    # with candidate_topk=4 the sum is 2 -> k = 2. Costs rise with the prior index.
    gt = InstanceData(bboxes=torch.tensor([[0.0, 0.0, 96.0, 96.0]]), labels=torch.tensor([0]))
    n = 12
    xs = torch.linspace(40, 56, n)
    priors = torch.stack(
        [xs, torch.full((n,), 48.0), torch.full((n,), 8.0), torch.full((n,), 8.0)], 1
    )
    bboxes = torch.tensor([[0.0, 0.0, 48.0, 96.0]]).repeat(n, 1)  # IoU .5 each
    scores = torch.linspace(0.9, 0.5, n)[:, None]  # cheaper first
    pred = InstanceData(priors=priors, bboxes=bboxes, scores=scores)
    assert _assigner().assign(pred, gt).gt_inds.tolist() == [1] * 5 + [0] * 7
    assert _assigner(candidate_topk=4).assign(pred, gt).gt_inds.tolist() == [1] * 2 + [0] * 10


def test_empty_inputs():
    pred = InstanceData(
        priors=torch.tensor([[4.0, 4.0, 8.0, 8.0]]),
        bboxes=torch.tensor([[0.0, 0.0, 8.0, 8.0]]),
        scores=torch.tensor([[0.5]]),
    )
    no_gt = InstanceData(bboxes=torch.zeros((0, 4)), labels=torch.zeros((0,), dtype=torch.long))
    result = _assigner().assign(pred, no_gt)
    assert result.gt_inds.tolist() == [0] and result.labels.tolist() == [-1]
    far_gt = InstanceData(
        bboxes=torch.tensor([[500.0, 500.0, 510.0, 510.0]]), labels=torch.tensor([0])
    )
    result = _assigner().assign(pred, far_gt)  # no candidate at all
    assert result.gt_inds.tolist() == [0] and result.num_gts == 1
