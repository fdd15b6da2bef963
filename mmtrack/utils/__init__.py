"""Utilities: environment, registration, logging, safe checkpoint loading."""

from .collect_env import collect_env
from .logger import get_root_logger
from .setup_env import register_all_modules

__all__ = ["collect_env", "get_root_logger", "register_all_modules"]
