"""IoULoss and GIoULoss against values computed by hand."""

import math

import pytest
import torch

from mmtrack.registry import MODELS
from mmtrack.utils import register_all_modules

register_all_modules()

# pred [0,0,2,2] vs target [1,0,3,2]: overlap 2, union 6 -> IoU 1/3, enclosing box = union
# pred [0,0,1,1] vs target [2,2,3,3]: IoU 0, union 2, enclosing 3x3 = 9 -> GIoU = -7/9
PRED = torch.tensor([[0.0, 0.0, 2.0, 2.0], [0.0, 0.0, 1.0, 1.0]])
TARGET = torch.tensor([[1.0, 0.0, 3.0, 2.0], [2.0, 2.0, 3.0, 3.0]])


@pytest.mark.parametrize(
    "mode, expected",
    [
        ("linear", [2 / 3, 1.0]),
        ("square", [8 / 9, 1.0]),
        ("log", [math.log(3), -math.log(1e-6)]),  # IoU clamped to eps
    ],
)
def test_iou_loss_modes(mode, expected):
    loss = MODELS.build(dict(type="IoULoss", mode=mode, reduction="none"))
    assert torch.allclose(loss(PRED, TARGET), torch.tensor(expected), rtol=1e-5)


def test_iou_loss_reductions_weights_and_eps():
    loss = MODELS.build(dict(type="IoULoss", mode="linear", loss_weight=2.0))
    assert loss(PRED, TARGET).item() == pytest.approx(2 * (2 / 3 + 1) / 2)
    assert loss(PRED, TARGET, reduction_override="sum").item() == pytest.approx(2 * (5 / 3))
    # (N,) weights; avg_factor divides the weighted sum
    w = torch.tensor([3.0, 0.0])
    assert loss(PRED, TARGET, weight=w, avg_factor=4.0).item() == pytest.approx(2 * 3 * 2 / 3 / 4)
    # (N, 4) weights are averaged to (N,)
    w4 = torch.tensor([[1.0, 1.0, 1.0, 1.0], [0.0, 0.0, 2.0, 2.0]])
    assert loss(PRED, TARGET, weight=w4, reduction_override="sum").item() == pytest.approx(
        2 * (2 / 3 + 1.0)
    )
    # all weights zero -> exactly 0, still connected to pred
    pred = PRED.clone().requires_grad_(True)
    zero = loss(pred, TARGET, weight=torch.zeros(2))
    assert zero.item() == 0.0 and zero.requires_grad
    # YOLOX setting: 1 - IoU^2 with eps 1e-16, weight 5, sum
    yolox = MODELS.build(
        dict(type="IoULoss", mode="square", eps=1e-16, reduction="sum", loss_weight=5.0)
    )
    assert yolox(PRED, TARGET).item() == pytest.approx(5 * (8 / 9 + 1.0))


def test_giou_loss():
    loss = MODELS.build(dict(type="GIoULoss", reduction="none"))
    assert torch.allclose(loss(PRED, TARGET), torch.tensor([2 / 3, 1 + 7 / 9]), rtol=1e-5)
    # identical boxes -> 0; nested box [0,0,1,1] in [0,0,2,2]: IoU 1/4, enclosing = union
    pred = torch.tensor([[0.0, 0.0, 4.0, 4.0], [0.0, 0.0, 1.0, 1.0]])
    target = torch.tensor([[0.0, 0.0, 4.0, 4.0], [0.0, 0.0, 2.0, 2.0]])
    assert torch.allclose(loss(pred, target), torch.tensor([0.0, 0.75]), atol=1e-6)
    mean = MODELS.build(dict(type="GIoULoss", loss_weight=0.5))
    assert mean(PRED, TARGET).item() == pytest.approx(0.5 * (2 / 3 + 16 / 9) / 2, rel=1e-5)


def test_gradients_are_finite_for_degenerate_boxes():
    pred = torch.tensor([[5.0, 5.0, 5.0, 5.0]], requires_grad=True)
    target = torch.tensor([[0.0, 0.0, 1.0, 1.0]])
    for cfg in (dict(type="IoULoss", mode="square", eps=1e-16), dict(type="GIoULoss")):
        MODELS.build(cfg)(pred, target).backward()
        assert torch.isfinite(pred.grad).all()


def test_bad_arguments():
    with pytest.raises(ValueError, match="mode"):
        MODELS.build(dict(type="IoULoss", mode="cubic"))
    with pytest.raises(ValueError, match="reduction"):
        MODELS.build(dict(type="GIoULoss", reduction="max"))
    with pytest.raises(ValueError, match="same shape"):
        MODELS.build(dict(type="GIoULoss"))(PRED, TARGET[:1])
