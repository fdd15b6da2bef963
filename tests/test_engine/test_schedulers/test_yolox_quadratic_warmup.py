"""QuadraticWarmupLR: lr = base * ((t + 1) / T) ** 2 during the warm-up."""

import pytest
import torch

from mmtrack.registry import PARAM_SCHEDULERS
from mmtrack.utils import register_all_modules

register_all_modules()


def _optimizer(lr=0.8):
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr, momentum=0.9)


def test_lr_follows_the_square_law_then_stays():
    opt = _optimizer()
    sched = PARAM_SCHEDULERS.build(
        dict(type="QuadraticWarmupLR", optimizer=opt, begin=0, end=4, by_epoch=False)
    )
    lrs = [opt.param_groups[0]["lr"]]
    for _ in range(5):
        opt.step()
        sched.step()
        lrs.append(opt.param_groups[0]["lr"])
    # 0.8 * (1/16, 4/16, 9/16, 16/16), then unchanged after the end
    assert lrs == pytest.approx([0.05, 0.2, 0.45, 0.8, 0.8, 0.8])


def test_epoch_based_config_converts_to_iterations():
    opt = _optimizer(lr=1.0)
    sched = PARAM_SCHEDULERS.get("QuadraticWarmupLR").build_iter_from_epoch(
        optimizer=opt, begin=0, end=1, by_epoch=True, epoch_length=2
    )
    assert not sched.by_epoch and sched.total_iters == 2
    assert opt.param_groups[0]["lr"] == pytest.approx(0.25)
    opt.step()
    sched.step()
    assert opt.param_groups[0]["lr"] == pytest.approx(1.0)


def test_momentum_and_bad_end():
    opt = _optimizer()
    PARAM_SCHEDULERS.build(
        dict(type="QuadraticWarmupMomentum", optimizer=opt, end=2, by_epoch=False)
    )
    assert opt.param_groups[0]["momentum"] == pytest.approx(0.9 / 4)
    with pytest.raises(ValueError, match="end"):
        PARAM_SCHEDULERS.build(dict(type="QuadraticWarmupLR", optimizer=_optimizer()))
