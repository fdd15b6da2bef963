"""Engine extensions: runner (CPU-distributed), hooks, optimizer wrappers.

Importing it makes every checkpoint load go through
:mod:`mmtrack.utils.checkpoint` (``torch.load(weights_only=True)`` with an
exact allow-list).
"""

from mmtrack.utils.checkpoint import install_safe_loading

from . import hooks, optimizers, runner  # noqa: F401
from .hooks import TrackVisualizationHook
from .optimizers import CPUAmpOptimWrapper
from .runner import TrackRunner, init_dist
from .schedulers import QuadraticWarmupLR  # noqa: F401

install_safe_loading()

__all__ = ["CPUAmpOptimWrapper", "TrackRunner", "TrackVisualizationHook", "init_dist"]
