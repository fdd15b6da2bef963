"""RandomSampler / PseudoSampler counts and targets on a hand-made assignment."""

import torch
from mmengine.structures import InstanceData

from mmtrack.models.task_modules.assigners import AssignResult
from mmtrack.registry import TASK_UTILS
from mmtrack.utils import register_all_modules

register_all_modules()


def _assignment(num_pos, num_neg, num_ign, num_gts=2):
    gt_inds = torch.cat(
        [
            torch.arange(num_pos) % num_gts + 1,
            torch.zeros(num_neg, dtype=torch.long),
            -torch.ones(num_ign, dtype=torch.long),
        ]
    )
    labels = torch.where(gt_inds > 0, gt_inds + 10, torch.full_like(gt_inds, -1))
    n = len(gt_inds)
    priors = torch.arange(n, dtype=torch.float32)[:, None] * torch.tensor([1.0, 1.0, 1.0, 1.0])
    priors[:, 2:] += 5
    res = AssignResult(num_gts, gt_inds, torch.zeros(n), labels=labels)
    gts = InstanceData(
        bboxes=torch.tensor([[100.0, 100.0, 110.0, 110.0], [200.0, 200.0, 220.0, 220.0]])[:num_gts],
        labels=torch.tensor([11, 12])[:num_gts],
    )
    return res, InstanceData(priors=priors), gts


def test_random_sampler_counts_and_targets():
    torch.manual_seed(0)
    sampler = TASK_UTILS.build(
        dict(type="RandomSampler", num=16, pos_fraction=0.25, add_gt_as_proposals=False)
    )
    res, preds, gts = _assignment(num_pos=10, num_neg=30, num_ign=5)
    s = sampler.sample(res, preds, gts)
    assert s.pos_inds.numel() == 4 and s.neg_inds.numel() == 12
    assert (s.pos_inds < 10).all() and ((s.neg_inds >= 10) & (s.neg_inds < 40)).all()
    assert len(set(s.pos_inds.tolist())) == 4
    # targets of each positive match its assigned gt
    for k, i in enumerate(s.pos_inds.tolist()):
        g = res.gt_inds[i].item() - 1
        assert s.pos_assigned_gt_inds[k].item() == g
        assert torch.equal(s.pos_gt_bboxes[k], gts.bboxes[g])
        assert s.pos_gt_labels[k].item() == gts.labels[g].item()
        assert torch.equal(s.pos_priors[k], preds.priors[i])
    assert s.avg_factor == 16 and s.priors.shape == (16, 4)


def test_random_sampler_fills_with_negatives_and_adds_gt():
    sampler = TASK_UTILS.build(dict(type="RandomSampler", num=8, pos_fraction=0.5))
    res, preds, gts = _assignment(num_pos=1, num_neg=20, num_ign=0)
    s = sampler.sample(res, preds, gts)
    # gts are prepended as positives: 1 + 2 positives, 8 - 3 = 5 negatives
    assert s.pos_inds.numel() == 3 and s.neg_inds.numel() == 5
    assert s.pos_is_gt.tolist() == [1, 1, 0]
    assert torch.equal(s.pos_priors[:2], gts.bboxes)
    # neg_pos_ub bounds the negatives to ub * max(num_pos, 1)
    ub = TASK_UTILS.build(
        dict(type="RandomSampler", num=8, pos_fraction=0.5, neg_pos_ub=1, add_gt_as_proposals=False)
    )
    res, preds, gts = _assignment(num_pos=1, num_neg=20, num_ign=0)
    s = ub.sample(res, preds, gts)
    assert s.pos_inds.numel() == 1 and s.neg_inds.numel() == 1


def test_random_sampler_no_gt():
    sampler = TASK_UTILS.build(dict(type="RandomSampler", num=6, pos_fraction=0.5))
    empty = InstanceData(bboxes=torch.zeros(0, 4), labels=torch.zeros(0, dtype=torch.long))
    res = AssignResult(0, torch.zeros(10, dtype=torch.long), torch.zeros(10), torch.full((10,), -1))
    s = sampler.sample(res, InstanceData(priors=torch.rand(10, 4)), empty)
    assert s.pos_inds.numel() == 0 and s.neg_inds.numel() == 6
    assert s.pos_gt_bboxes.shape == (0, 4) and s.avg_factor == 1 + 6


def test_pseudo_sampler_takes_everything():
    sampler = TASK_UTILS.build(dict(type="PseudoSampler"))
    res, preds, gts = _assignment(num_pos=3, num_neg=4, num_ign=2)
    s = sampler.sample(res, preds, gts)
    assert s.pos_inds.tolist() == [0, 1, 2] and s.neg_inds.tolist() == [3, 4, 5, 6]
    assert s.avg_factor == 3 and s.pos_assigned_gt_inds.tolist() == [0, 1, 0]
