"""Non-module helpers registered in ``TASK_UTILS``."""

from . import assigners, coders, motion, prior_generators, samplers, track  # noqa: F401
