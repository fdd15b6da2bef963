"""Mask2Former's matcher and losses on hand-computed cases: Hungarian assignment,
matching costs, dice loss, point sampling."""

import math

import pytest
import torch
from mmengine.structures import InstanceData

from mmtrack.models.layers import get_uncertain_point_coords_with_randomness, point_sample
from mmtrack.registry import MODELS, TASK_UTILS
from mmtrack.utils import register_all_modules

register_all_modules()


def test_point_sample_is_bilinear_on_pixel_centres():
    img = torch.tensor([[[[0.0, 1.0], [2.0, 3.0]]]])
    pts = torch.tensor([[[0.25, 0.25], [0.5, 0.5], [0.5, 0.25], [0.75, 0.625]]])
    out = point_sample(img, pts)
    # (0.25, 0.25) is the centre of pixel (0, 0); (0.5, 0.5) averages all four;
    # (0.5, 0.25) is half way between pixels (0, 0) and (0, 1) on row 0;
    # (0.75, 0.625): column 1, pixel row 0.625 * 2 - 0.5 = 0.75, i.e. three
    # quarters of the way from row 0 (1) to row 1 (3): 2.5
    assert out.shape == (1, 1, 4)
    assert torch.allclose(out[0, 0], torch.tensor([0.0, 1.5, 0.5, 2.5]))
    with pytest.raises(ValueError, match="point_coords"):
        point_sample(img, pts[0])


def test_uncertain_points_prefer_the_mask_border():
    torch.manual_seed(0)
    # logit 40 * (x - 0.5) on the pixel centres: the border of the mask is x = 0.5
    xs = (torch.arange(32) + 0.5) / 32
    logits = (40 * (xs - 0.5)).expand(1, 1, 32, 32).contiguous()
    pts = get_uncertain_point_coords_with_randomness(logits, None, 40, 3.0, 0.75)
    assert pts.shape == (1, 40, 2)
    assert ((pts >= 0) & (pts <= 1)).all()
    # the 30 uncertain points are the quarter of 120 uniform draws closest to
    # x = 0.5 (|x - 0.5| about 0.125); the 10 random ones spread over the image
    assert (pts[0, :30, 0] - 0.5).abs().max() < 0.2
    assert (pts[0, 30:, 0] - 0.5).abs().max() > 0.25


def test_dice_loss_by_hand():
    loss = MODELS.build(
        dict(type="DiceLoss", activate=False, naive_dice=True, eps=1.0, loss_weight=5.0)
    )
    p = torch.tensor([[1.0, 0.5, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
    t = torch.tensor([[1.0, 1.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0]])
    # mask 0: (2 * 1.5 + 1) / (1.5 + 2 + 1) = 4 / 4.5; mask 1: 1 / (0 + 1 + 1)
    d0, d1 = 1 - 4 / 4.5, 1 - 0.5
    assert loss(p, t).item() == pytest.approx(5.0 * (d0 + d1) / 2, rel=1e-6)
    assert loss(p, t, avg_factor=4.0).item() == pytest.approx(5.0 * (d0 + d1) / 4, rel=1e-5)
    with_sigmoid = MODELS.build(dict(type="DiceLoss", naive_dice=True, eps=1.0))
    logit = torch.tensor([[0.0, 0.0]])
    # sigmoid(0) = 0.5 twice, target (1, 0): (2 * 0.5 + 1) / (1 + 1 + 1)
    assert with_sigmoid(logit, torch.tensor([[1.0, 0.0]])).item() == pytest.approx(1 - 2 / 3)


def test_match_costs_by_hand():
    pred = InstanceData(
        scores=torch.log(torch.tensor([[0.6, 0.35, 0.05]])), masks=torch.tensor([[0.0, 2.0]])
    )
    gt = InstanceData(labels=torch.tensor([1]), masks=torch.tensor([[1.0, 0.0]]))
    cls = TASK_UTILS.build(dict(type="ClassificationCost", weight=2.0))(pred, gt)
    assert cls.item() == pytest.approx(-2.0 * 0.35, rel=1e-6)
    ce = TASK_UTILS.build(dict(type="CrossEntropyLossCost", weight=5.0, use_sigmoid=True))
    # point 0: logit 0, target 1 -> log 2; point 1: logit 2, target 0 -> log(1 + e^2)
    expect = 5.0 * (math.log(2) + math.log(1 + math.e**2)) / 2
    assert ce(pred, gt).item() == pytest.approx(expect, rel=1e-6)
    dice = TASK_UTILS.build(dict(type="DiceCost", weight=5.0, pred_act=True, eps=1.0))
    s0, s1 = 0.5, 1 / (1 + math.exp(-2.0))
    expect = 5.0 * (1 - (2 * s0 + 1) / (s0 + s1 + 1 + 1))
    assert dice(pred, gt).item() == pytest.approx(expect, rel=1e-6)


def test_hungarian_assigner_picks_the_optimum_not_the_greedy_pair():
    assigner = TASK_UTILS.build(
        dict(type="HungarianAssigner", match_costs=[dict(type="ClassificationCost", weight=2.0)])
    )
    # gt 0 has label 0, gt 1 label 1. Greedy takes query 0 -> gt 0 (0.6) and is
    # left with query 1 -> gt 1 (0.05): 0.65. The optimum is query 0 -> gt 1 and
    # query 1 -> gt 0: 0.35 + 0.5 = 0.85. Query 2 is background.
    probs = torch.tensor([[0.6, 0.35, 0.05], [0.5, 0.05, 0.45], [0.01, 0.01, 0.98]])
    pred = InstanceData(scores=torch.log(probs))
    gt = InstanceData(labels=torch.tensor([0, 1]))
    res = assigner.assign(pred, gt)
    assert res.gt_inds.tolist() == [2, 1, 0]
    assert res.labels.tolist() == [1, 0, -1]
    empty = assigner.assign(pred, InstanceData(labels=torch.zeros(0, dtype=torch.long)))
    assert empty.gt_inds.tolist() == [0, 0, 0]


def test_hungarian_assigner_over_clip_masks():
    """Masks of T=2 frames flattened to (num_queries, T * points): the query whose
    masks match a gt in both frames gets it, whatever the class scores say."""
    assigner = TASK_UTILS.build(
        dict(
            type="HungarianAssigner",
            match_costs=[
                dict(type="ClassificationCost", weight=2.0),
                dict(type="CrossEntropyLossCost", weight=5.0, use_sigmoid=True),
                dict(type="DiceCost", weight=5.0, pred_act=True, eps=1.0),
            ],
        )
    )
    gt_masks = torch.tensor([[1, 1, 0, 0, 1, 1, 0, 0], [0, 0, 1, 1, 0, 0, 1, 1]]).float()
    logits = 8 * (2 * gt_masks - 1)
    pred = InstanceData(
        scores=torch.zeros(3, 3), masks=torch.stack([-8 * torch.ones(8), logits[1], logits[0]])
    )
    res = assigner.assign(pred, InstanceData(labels=torch.tensor([0, 1]), masks=gt_masks))
    assert res.gt_inds.tolist() == [0, 2, 1]
