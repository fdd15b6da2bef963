"""Logger access."""

from __future__ import annotations

import logging

from mmengine.logging import MMLogger


def get_root_logger(log_file: str | None = None, log_level: int = logging.INFO) -> MMLogger:
    """Return the ``mmtrack`` logger (created on first call).

    Args:
        log_file: also write to this file when given. Defaults to None.
        log_level: logging level. Defaults to ``logging.INFO``.
    """
    if MMLogger.check_instance_created("mmtrack"):
        return MMLogger.get_instance("mmtrack")
    return MMLogger.get_instance(
        "mmtrack", logger_name="mmtrack", log_file=log_file, log_level=log_level
    )
