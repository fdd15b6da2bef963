"""Parameter schedulers."""

from .quadratic_warmup import (
    QuadraticWarmupLR,
    QuadraticWarmupMomentum,
    QuadraticWarmupParamScheduler,
)
