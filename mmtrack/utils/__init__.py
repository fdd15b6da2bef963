"""Utilities: environment, registration, logging, safe checkpoint loading."""

from .checkpoint import install_safe_loading, load_checkpoint, safe_torch_load
from .collect_env import collect_env
from .logger import get_root_logger
from .setup_env import register_all_modules

__all__ = ["collect_env", "get_root_logger", "register_all_modules"]
__all__ += ["install_safe_loading", "load_checkpoint", "safe_torch_load"]
