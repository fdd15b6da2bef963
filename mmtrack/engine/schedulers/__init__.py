"""Parameter schedulers."""

from .quadratic_warmup import (
    QuadraticWarmupLR,
    QuadraticWarmupMomentum,
    QuadraticWarmupParamScheduler,
)
from .siamrpn_exp_lr import SiamRPNExpLR, SiamRPNExpParamScheduler
