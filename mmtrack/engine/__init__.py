"""Engine extensions: hooks, loops and runner helpers."""

from . import hooks, runner  # noqa: F401
