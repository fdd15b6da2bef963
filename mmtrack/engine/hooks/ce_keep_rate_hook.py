"""OSTrack's candidate-elimination keep-rate schedule."""

from __future__ import annotations

import math

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmtrack.registry import HOOKS


def ce_keep_rate(epoch: int, start_epoch: int, warm_epochs: int, base_keep_rate: float) -> float:
    """Keep rate of the CE blocks in a training epoch (``adjust_keep_rate``).

    1 before ``start_epoch``; then a half cosine from 1 down to
    ``base_keep_rate`` over ``warm_epochs`` epochs; ``base_keep_rate`` from
    ``start_epoch + warm_epochs`` on.

    Args:
        epoch: 1-based epoch (OSTrack's trainer counts from 1).
        start_epoch: First epoch of the decay (20 in OSTrack).
        warm_epochs: Length of the decay (80, or 50 for the GOT-10k configs).
        base_keep_rate: Final keep rate (0.7).

    Returns:
        float: The keep rate.
    """
    if epoch < start_epoch:
        return 1.0
    if epoch >= start_epoch + warm_epochs:
        return float(base_keep_rate)
    progress = (epoch - start_epoch) / warm_epochs
    return float(base_keep_rate + (1 - base_keep_rate) * (math.cos(progress * math.pi) + 1) / 2)


@HOOKS.register_module()
class CEKeepRateHook(Hook):
    """Set ``model.ce_keep_rate`` before every training epoch (OSTrack).

    The runner's 0-based epoch ``e`` is OSTrack's epoch ``e + 1``. The model
    passes the rate to its backbone in training; testing uses the backbone's
    own ``ce_keep_ratio``.

    Args:
        start_epoch: See :func:`ce_keep_rate`. Defaults to 20.
        warm_epochs: See :func:`ce_keep_rate`. Defaults to 80.
        base_keep_rate: Final rate; None takes the backbone's first
            ``ce_keep_ratio``. Defaults to None.
    """

    priority = "NORMAL"

    def __init__(
        self, start_epoch: int = 20, warm_epochs: int = 80, base_keep_rate: float | None = None
    ) -> None:
        if warm_epochs < 1 or start_epoch < 0:
            raise ValueError(
                f"CEKeepRateHook: need start_epoch >= 0 and warm_epochs >= 1, got "
                f"{start_epoch}, {warm_epochs}"
            )
        self.start_epoch = start_epoch
        self.warm_epochs = warm_epochs
        self.base_keep_rate = base_keep_rate

    def before_train_epoch(self, runner) -> None:
        """Compute the rate of the coming epoch and give it to the model."""
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        base = self.base_keep_rate
        if base is None:
            ratios = getattr(getattr(model, "backbone", None), "ce_keep_ratio", None)
            if not ratios:
                raise AttributeError(
                    "CEKeepRateHook: the model's backbone has no ce_keep_ratio; set base_keep_rate"
                )
            base = ratios[0]
        model.ce_keep_rate = ce_keep_rate(
            runner.epoch + 1, self.start_epoch, self.warm_epochs, base
        )
