"""Metrics (``METRICS``) and pure evaluation functions."""

from . import functional, metrics  # noqa: F401
from .functional import *  # noqa: F401,F403
from .metrics import *  # noqa: F401,F403
