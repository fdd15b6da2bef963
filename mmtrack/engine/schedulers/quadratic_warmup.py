"""Quadratic warm-up of optimizer values (YOLOX)."""

from __future__ import annotations

from mmengine.optim.scheduler.lr_scheduler import LRSchedulerMixin
from mmengine.optim.scheduler.momentum_scheduler import MomentumSchedulerMixin
from mmengine.optim.scheduler.param_scheduler import INF, _ParamScheduler

from mmtrack.registry import PARAM_SCHEDULERS


@PARAM_SCHEDULERS.register_module()
class QuadraticWarmupParamScheduler(_ParamScheduler):
    """Raise a parameter from 0 to its base value along ``((t + 1) / T) ** 2``.

    With ``T = end - begin`` steps, step ``t`` (0-based, ``t < T``) sets the
    value to ``base * (t + 1) ** 2 / T ** 2``, adding
    ``base * (2t + 1) / T ** 2`` to the previous one, so other schedulers
    may act on the same parameter afterwards.

    Args:
        optimizer: wrapped optimizer.
        param_name: the parameter to schedule (e.g. ``'lr'``).
        begin: first step. Defaults to 0.
        end: step where the warm-up ends (must be finite).
        last_step: index of the last step (resuming). Defaults to -1.
        by_epoch: steps are epochs. Defaults to True.
        verbose: print each update. Defaults to False.
    """

    def __init__(
        self,
        optimizer,
        param_name: str,
        begin: int = 0,
        end: int = INF,
        last_step: int = -1,
        by_epoch: bool = True,
        verbose: bool = False,
    ) -> None:
        if end >= INF:
            raise ValueError(
                f"{type(self).__name__}: 'end' must be the (finite) number of warm-up steps"
            )
        self.total_iters = end - begin
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
        increment = (2 * self.last_step + 1) / self.total_iters**2
        if self.last_step == 0:
            return [base * increment for base in self.base_values]
        return [
            group[self.param_name] + base * increment
            for base, group in zip(self.base_values, self.optimizer.param_groups)
        ]


@PARAM_SCHEDULERS.register_module()
class QuadraticWarmupLR(LRSchedulerMixin, QuadraticWarmupParamScheduler):
    """Quadratic warm-up of the learning rate (see :class:`QuadraticWarmupParamScheduler`)."""


@PARAM_SCHEDULERS.register_module()
class QuadraticWarmupMomentum(MomentumSchedulerMixin, QuadraticWarmupParamScheduler):
    """Quadratic warm-up of the momentum (see :class:`QuadraticWarmupParamScheduler`)."""
