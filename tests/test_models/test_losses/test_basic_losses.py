"""Losses against values computed by hand in the test."""

import math

import pytest
import torch

from mmtrack.models.losses import weight_reduce_loss, weighted_loss
from mmtrack.registry import MODELS
from mmtrack.utils import register_all_modules

register_all_modules()


def _sig(x):
    return 1.0 / (1.0 + math.exp(-x))


def test_weight_reduce_loss_modes():
    loss = torch.tensor([1.0, 2.0, 3.0, 4.0])
    w = torch.tensor([1.0, 0.0, 1.0, 1.0])
    assert weight_reduce_loss(loss, w, "sum").item() == pytest.approx(8.0)
    assert weight_reduce_loss(loss, w, "mean").item() == pytest.approx(2.0)
    assert weight_reduce_loss(loss, w, "mean", avg_factor=3).item() == pytest.approx(8 / 3)
    assert weight_reduce_loss(loss, w, "none").tolist() == [1.0, 0.0, 3.0, 4.0]
    with pytest.raises(ValueError, match="avg_factor"):
        weight_reduce_loss(loss, w, "sum", avg_factor=3)
    with pytest.raises(ValueError, match="reduction"):
        weight_reduce_loss(loss, w, "max")

    @weighted_loss
    def sq(pred, target):
        return (pred - target) ** 2

    assert sq(torch.tensor([1.0, 3.0]), torch.tensor([0.0, 0.0])).item() == pytest.approx(5.0)


def test_softmax_cross_entropy_by_hand():
    logits = torch.tensor([[1.0, 2.0, 0.5], [0.0, 0.0, 3.0]])
    labels = torch.tensor([1, 0])

    def ce(row, k):
        return -row[k] + math.log(sum(math.exp(v) for v in row))

    l0, l1 = ce([1.0, 2.0, 0.5], 1), ce([0.0, 0.0, 3.0], 0)
    loss = MODELS.build(dict(type="CrossEntropyLoss", loss_weight=2.0))
    assert loss(logits, labels).item() == pytest.approx(2.0 * (l0 + l1) / 2, rel=1e-5)
    # sample weights and avg_factor
    out = loss(logits, labels, torch.tensor([0.0, 1.0]), avg_factor=4.0)
    assert out.item() == pytest.approx(2.0 * l1 / 4.0, rel=1e-5)
    # class weight: PyTorch multiplies each sample by the weight of its target
    cw = MODELS.build(dict(type="CrossEntropyLoss", class_weight=[1.0, 3.0, 1.0]))
    assert cw(logits, labels, reduction_override="sum").item() == pytest.approx(
        3.0 * l0 + 1.0 * l1, rel=1e-5
    )


def test_cross_entropy_ignore_index_and_avg_non_ignore():
    logits = torch.tensor([[0.0, 0.0], [2.0, 0.0], [0.0, 1.0]])
    labels = torch.tensor([0, -1, 1])
    l0 = math.log(2.0)
    l2 = -1.0 + math.log(1.0 + math.e)
    with pytest.warns(UserWarning):
        plain = MODELS.build(dict(type="CrossEntropyLoss", ignore_index=-1))
    assert plain(logits, labels).item() == pytest.approx((l0 + l2) / 3, rel=1e-5)
    avg = MODELS.build(dict(type="CrossEntropyLoss", ignore_index=-1, avg_non_ignore=True))
    assert avg(logits, labels).item() == pytest.approx((l0 + l2) / 2, rel=1e-5)


def test_sigmoid_cross_entropy_index_labels():
    # RPN style: one channel, label 0 = object, label 1 (== num channels) = background
    logits = torch.tensor([[0.5], [-1.0], [2.0]])
    labels = torch.tensor([0, 1, 1])
    weights = torch.tensor([1.0, 1.0, 0.0])
    loss = MODELS.build(dict(type="CrossEntropyLoss", use_sigmoid=True))
    expect = (-math.log(_sig(0.5)) - math.log(1 - _sig(-1.0))) / 2
    assert loss(logits, labels, weights, avg_factor=2).item() == pytest.approx(expect, rel=1e-5)
    # same shape soft targets: mean over all elements
    target = torch.tensor([[1.0], [0.0], [0.5]])
    expect_soft = (
        -math.log(_sig(0.5))
        - math.log(1 - _sig(-1.0))
        - 0.5 * math.log(_sig(2.0))
        - 0.5 * math.log(1 - _sig(2.0))
    ) / 3
    assert loss(logits, target).item() == pytest.approx(expect_soft, rel=1e-5)


def test_mask_cross_entropy_selects_roi_class():
    pred = torch.zeros(2, 3, 2, 2)
    pred[0, 2] = 1.0  # roi 0 is class 2 -> logits 1
    pred[1, 0] = -2.0  # roi 1 is class 0 -> logits -2
    target = torch.tensor([[[1.0, 0.0], [1.0, 1.0]], [[0.0, 0.0], [0.0, 1.0]]])
    labels = torch.tensor([2, 0])
    loss = MODELS.build(dict(type="CrossEntropyLoss", use_mask=True))
    p1, p2 = _sig(1.0), _sig(-2.0)
    expect = (3 * -math.log(p1) - math.log(1 - p1) + 3 * -math.log(1 - p2) - math.log(p2)) / 8
    out = loss(pred, target, labels)
    assert out.shape == (1,)
    assert out.item() == pytest.approx(expect, rel=1e-5)
    with pytest.raises(ValueError, match="use_sigmoid and use_mask"):
        MODELS.build(dict(type="CrossEntropyLoss", use_mask=True, use_sigmoid=True))


def test_focal_loss_by_hand():
    logits = torch.tensor([[0.0, 2.0], [-1.0, 0.5]])
    labels = torch.tensor([1, 2])  # 2 == background -> all negative
    loss = MODELS.build(dict(type="FocalLoss", gamma=2.0, alpha=0.25, reduction="sum"))

    def fl(x, t):
        p = _sig(x)
        if t == 1:
            return -0.25 * (1 - p) ** 2 * math.log(p)
        return -0.75 * p**2 * math.log(1 - p)

    expect = fl(0.0, 0) + fl(2.0, 1) + fl(-1.0, 0) + fl(0.5, 0)
    assert loss(logits, labels).item() == pytest.approx(expect, rel=1e-5)
    # per-sample weight broadcast over classes
    out = loss(logits, labels, weight=torch.tensor([1.0, 0.0]))
    assert out.item() == pytest.approx(fl(0.0, 0) + fl(2.0, 1), rel=1e-5)
    with pytest.raises(ValueError, match="sigmoid"):
        MODELS.build(dict(type="FocalLoss", use_sigmoid=False))


def test_smooth_l1_and_l1_by_hand():
    pred = torch.tensor([[0.0, 1.0, 3.0, -0.2]])
    target = torch.tensor([[0.5, 1.0, 0.0, 0.0]])
    sl1 = MODELS.build(dict(type="SmoothL1Loss", beta=1.0, reduction="sum"))
    # |d| = 0.5, 0, 3, 0.2 -> 0.125, 0, 2.5, 0.02
    assert sl1(pred, target).item() == pytest.approx(0.125 + 2.5 + 0.02, rel=1e-5)
    sl1b = MODELS.build(dict(type="SmoothL1Loss", beta=0.25, reduction="sum"))
    # beta .25: 0.5-0.125, 0, 3-0.125, 0.5*0.04/0.25
    assert sl1b(pred, target).item() == pytest.approx(0.375 + 2.875 + 0.08, rel=1e-5)
    l1 = MODELS.build(dict(type="L1Loss", loss_weight=0.5))
    assert l1(pred, target).item() == pytest.approx(0.5 * 3.7 / 4, rel=1e-5)
    # all-zero weights keep the graph and give exactly 0
    pred.requires_grad_(True)
    zero = l1(pred, target, weight=torch.zeros(1, 4))
    zero.backward()
    assert zero.item() == 0.0 and pred.grad is not None
    # empty inputs
    empty = l1(torch.zeros(0, 4, requires_grad=True), torch.zeros(0, 4))
    assert empty.item() == 0.0


def test_l2_loss_margins_and_hard_mining():
    pred = torch.tensor([[0.9, 0.8, 0.3, 0.05], [0.6, 0.2, 0.7, 0.4]])
    target = torch.tensor([[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
    loss = MODELS.build(
        dict(type="L2Loss", neg_pos_ub=3, pos_margin=0, neg_margin=0.1, hard_mining=True)
    )
    # negatives after margin and clamp: 0.7, 0.2, 0.0, 0.5, 0.1, 0.6, 0.3
    # 1 positive -> keep the 3 hardest negatives: 0.7, 0.6, 0.5
    expect = ((1 - 0.9) ** 2 + 0.7**2 + 0.6**2 + 0.5**2) / 4
    pred_in, target_in = pred.clone(), target.clone()
    assert loss(pred, target).item() == pytest.approx(expect, rel=1e-5)
    assert torch.equal(pred, pred_in) and torch.equal(target, target_in)
    # without mining: every negative, mean over 8 elements
    plain = MODELS.build(dict(type="L2Loss", neg_margin=0.1))
    all_neg = [0.7, 0.2, 0.0, 0.5, 0.1, 0.6, 0.3]
    expect2 = (0.01 + sum(v * v for v in all_neg)) / 8
    assert plain(pred, target).item() == pytest.approx(expect2, rel=1e-5)
    # ignored elements (weight 0) are dropped from the mean
    w = torch.ones_like(pred)
    w[1] = 0
    expect3 = (0.01 + 0.7**2 + 0.2**2 + 0.0) / 4
    assert plain(pred, target, w).item() == pytest.approx(expect3, rel=1e-5)
    # random mining keeps exactly neg_pos_ub * num_pos negatives
    rnd = MODELS.build(dict(type="L2Loss", neg_pos_ub=2))
    _, _, weight, avg = rnd.update_weight(pred, target, None)
    assert int(avg) == 3 and int((weight[target == 0] > 0).sum()) == 2


def test_multi_pos_cross_entropy_by_hand():
    pred = torch.tensor([[1.0, 2.0, -1.0, 0.5], [0.3, 0.1, 0.2, 0.0]])
    label = torch.tensor([[1, 0, 1, 0], [0, 0, 0, 0]])
    loss = MODELS.build(dict(type="MultiPosCrossEntropyLoss", reduction="none"))
    s = pred[0].tolist()
    pairs = sum(math.exp(s[n] - s[p]) for p in (0, 2) for n in (1, 3))
    out = loss(pred, label)
    assert out[0].item() == pytest.approx(math.log(1 + pairs), rel=1e-5)
    assert out[1].item() == pytest.approx(0.0, abs=1e-7)
    # mean with weights
    mean = MODELS.build(dict(type="MultiPosCrossEntropyLoss", loss_weight=0.25))
    assert mean(pred, label, avg_factor=1.0).item() == pytest.approx(
        0.25 * math.log(1 + pairs), rel=1e-5
    )
    with pytest.raises(ValueError, match="shapes differ"):
        mean(pred, label[:, :2])


def test_triplet_loss_hard_and_all():
    x = torch.tensor([[0.0, 0.0], [3.0, 0.0], [0.0, 1.0], [4.0, 0.0]])
    ids = torch.tensor([0, 0, 1, 1])
    # distances: d01=3, d02=1, d03=4, d12=sqrt(10), d13=1, d23=sqrt(17)
    d = {
        (0, 1): 3.0,
        (0, 2): 1.0,
        (0, 3): 4.0,
        (1, 2): math.sqrt(10),
        (1, 3): 1.0,
        (2, 3): math.sqrt(17),
    }

    def dist(a, b):
        return 0.0 if a == b else d[(min(a, b), max(a, b))]

    m = 0.3
    hard = []
    for a in range(4):
        pos = [p for p in range(4) if ids[p] == ids[a]]
        neg = [n for n in range(4) if ids[n] != ids[a]]
        hard.append(max(0.0, max(dist(a, p) for p in pos) - min(dist(a, n) for n in neg) + m))
    loss = MODELS.build(dict(type="TripletLoss", margin=m))
    assert loss(x, ids).item() == pytest.approx(sum(hard) / 4, rel=1e-4)

    allt = []
    for a in range(4):
        for p in range(4):
            if p == a or ids[p] != ids[a]:
                continue
            for n in range(4):
                if ids[n] != ids[a]:
                    allt.append(max(0.0, dist(a, p) - dist(a, n) + m))
    loss_all = MODELS.build(dict(type="TripletLoss", margin=m, hard_mining=False))
    assert loss_all(x, ids).item() == pytest.approx(sum(allt) / len(allt), rel=1e-4)
    # one identity only: no negatives -> zero loss
    assert loss(x, torch.zeros(4, dtype=torch.long)).item() == 0.0


def test_accuracy():
    from mmtrack.models.losses import accuracy

    pred = torch.tensor([[0.1, 0.9, 0.0], [0.8, 0.1, 0.1], [0.2, 0.3, 0.5]])
    target = torch.tensor([1, 1, 2])
    assert accuracy(pred, target).item() == pytest.approx(200 / 3)
    top1, top2 = accuracy(pred, target, topk=(1, 2))
    assert top2.item() == pytest.approx(100.0)
