"""Exponential learning-rate ramp of SiamRPN++ (MMTracking 1.x ``SiamRPNExpLR``)."""

from __future__ import annotations

import math

from mmengine.optim.scheduler.lr_scheduler import LRSchedulerMixin
from mmengine.optim.scheduler.param_scheduler import INF, _ParamScheduler

from mmtrack.registry import PARAM_SCHEDULERS


@PARAM_SCHEDULERS.register_module()
class SiamRPNExpParamScheduler(_ParamScheduler):
    """Move a parameter geometrically from ``start_factor`` to ``end_factor``.

    Chainable (it multiplies the current value): the first step of the
    window multiplies by ``start_factor``, every later step by
    ``(end_factor / start_factor) ** (1 / T)`` with ``T = end - begin - 1``
    (``endpoint=True``: the last step reaches ``end_factor``) or
    ``T = end - begin`` (``endpoint=False``: it stops one step short). It
    replaces MMTracking 0.x's ``SiameseRPNLrUpdaterHook`` (``step`` warm-up
    ``0.2 -> 1`` over 5 epochs, then ``log`` decay ``1 -> 0.1`` to epoch 20),
    with MMTracking 1.x's chaining: the decay starts from the warm-up's last
    value.

    Args:
        optimizer: wrapped optimizer.
        param_name: the parameter to schedule (e.g. ``'lr'``).
        start_factor: factor of the first step, in ``[0, 1]``. Defaults to 0.1.
        end_factor: factor reached at the end, in ``[0, 1]``. Defaults to 1.0.
        begin: first step. Defaults to 0.
        end: step after the last one (finite).
        endpoint: whether ``end_factor`` is reached at step ``end - 1``.
            Defaults to True.
        last_step: index of the last step (resuming). Defaults to -1.
        by_epoch: steps are epochs. Defaults to True.
        verbose: print each update. Defaults to False.
    """

    def __init__(
        self,
        optimizer,
        param_name: str,
        start_factor: float = 0.1,
        end_factor: float = 1.0,
        begin: int = 0,
        end: int = INF,
        endpoint: bool = True,
        last_step: int = -1,
        by_epoch: bool = True,
        verbose: bool = False,
    ) -> None:
        name = type(self).__name__
        if end >= INF:
            raise ValueError(f"{name}: 'end' must be finite, got {end}")
        for key, value in (("start_factor", start_factor), ("end_factor", end_factor)):
            if not 0.0 < value <= 1.0:
                raise ValueError(f"{name}: {key} must be in (0, 1], got {value}")
        self.start_factor = float(start_factor)
        self.end_factor = float(end_factor)
        self.endpoint = bool(endpoint)
        self.total_iters = end - begin - 1 if endpoint else end - begin
        if self.total_iters <= 0:
            raise ValueError(f"{name}: the window [{begin}, {end}) is too short")
        super().__init__(
            optimizer=optimizer,
            param_name=param_name,
            begin=begin,
            end=end,
            last_step=last_step,
            by_epoch=by_epoch,
            verbose=verbose,
        )

    @classmethod
    def build_iter_from_epoch(
        cls,
        *args,
        begin: int = 0,
        end: int = INF,
        by_epoch: bool = True,
        epoch_length=None,
        **kwargs,
    ):
        """Build an iteration-based scheduler from epoch-based ``begin``/``end``."""
        if not by_epoch:
            raise ValueError(f"{cls.__name__}: convert_to_iter_based needs by_epoch=True")
        if epoch_length is None or epoch_length <= 0:
            raise ValueError(f"{cls.__name__}: epoch_length must be > 0, got {epoch_length}")
        begin = int(begin * epoch_length)
        if end != INF:
            end = int(end * epoch_length)
        return cls(*args, begin=begin, end=end, by_epoch=False, **kwargs)

    def _get_value(self) -> list[float]:
        """Values after step ``last_step``."""
        if self.last_step == 0:
            factor = self.start_factor
        else:
            factor = math.pow(self.end_factor / self.start_factor, 1.0 / self.total_iters)
        return [group[self.param_name] * factor for group in self.optimizer.param_groups]


@PARAM_SCHEDULERS.register_module()
class SiamRPNExpLR(LRSchedulerMixin, SiamRPNExpParamScheduler):
    """Exponential learning-rate ramp (see :class:`SiamRPNExpParamScheduler`)."""
