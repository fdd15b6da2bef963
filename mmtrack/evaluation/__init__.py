"""Metrics (``METRICS``) and pure evaluation functions."""

from . import functional, metrics  # noqa: F401
