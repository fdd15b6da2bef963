"""ExpMomentumEMA: the YOLOX EMA warm-up schedule."""

import math

import pytest
import torch
import torch.nn as nn

from mmtrack.registry import MODELS
from mmtrack.utils import register_all_modules

register_all_modules()


def test_momentum_schedule_by_hand():
    model = nn.Linear(1, 1, bias=False)
    with torch.no_grad():
        model.weight.fill_(0.0)
    ema = MODELS.build(dict(type="ExpMomentumEMA", model=model, momentum=0.0002, gamma=2))
    ema.update_parameters(model)  # step 0 copies the model
    avg = 0.0
    with torch.no_grad():
        model.weight.fill_(1.0)
    for step in (1, 2, 3):
        ema.update_parameters(model)
        m = (1 - 0.0002) * math.exp(-(1 + step) / 2) + 0.0002
        avg = (1 - m) * avg + m * 1.0
        assert ema.module.weight.item() == pytest.approx(avg, rel=1e-6)
    # far along, the momentum is the final 0.0002
    ema.steps.fill_(10_000)
    before = ema.module.weight.item()
    ema.update_parameters(model)
    assert ema.module.weight.item() - before == pytest.approx(0.0002 * (1 - before), rel=1e-3)


def test_bad_gamma():
    with pytest.raises(ValueError, match="gamma"):
        MODELS.build(dict(type="ExpMomentumEMA", model=nn.Linear(1, 1), gamma=0))
