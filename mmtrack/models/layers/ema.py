"""Exponential moving average of model weights with a warm-up (YOLOX)."""

from __future__ import annotations

import math
from typing import Optional, Union

import torch
import torch.nn as nn
from mmengine.model import ExponentialMovingAverage
from torch import Tensor

from mmtrack.registry import MODELS


@MODELS.register_module()
class ExpMomentumEMA(ExponentialMovingAverage):
    """EMA whose momentum decays exponentially from 1 to ``momentum``.

    At update ``t`` (0-based) the average moves towards the model by
    ``m_t = (1 - momentum) * exp(-(1 + t) / gamma) + momentum``:
    ``avg = (1 - m_t) * avg + m_t * param``. Early averages therefore follow
    the fast-changing model closely (YOLOX's EMA warm-up). Used through
    mmengine's ``EMAHook(ema_type='ExpMomentumEMA')``.

    Args:
        model: the model to average.
        momentum: final momentum. Defaults to 0.0002.
        gamma: decay constant of the warm-up, in updates. Defaults to 2000.
        interval: update every ``interval`` iterations. Defaults to 1.
        device: device of the averaged copy. Defaults to None (the model's).
        update_buffers: average buffers (BN statistics) too. Defaults to False.
    """

    def __init__(
        self,
        model: nn.Module,
        momentum: float = 0.0002,
        gamma: int = 2000,
        interval: int = 1,
        device: Optional[Union[str, torch.device]] = None,
        update_buffers: bool = False,
    ) -> None:
        super().__init__(
            model=model,
            momentum=momentum,
            interval=interval,
            device=device,
            update_buffers=update_buffers,
        )
        if gamma <= 0:
            raise ValueError(f"ExpMomentumEMA: gamma must be > 0, got {gamma}")
        self.gamma = gamma

    def avg_func(self, averaged_param: Tensor, source_param: Tensor, steps: int) -> None:
        """Move ``averaged_param`` towards ``source_param`` by ``m_t`` (in place)."""
        momentum = (1 - self.momentum) * math.exp(-float(1 + steps) / self.gamma) + self.momentum
        averaged_param.lerp_(source_param, momentum)
