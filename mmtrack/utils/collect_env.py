"""Environment report (``python -m mmtrack.utils.collect_env``)."""

from __future__ import annotations

from mmengine.utils import get_git_hash
from mmengine.utils.dl_utils import collect_env as collect_base_env

import mmtrack


def collect_env() -> dict[str, str]:
    """Collect versions of the stack: Python, PyTorch, CUDA, mmengine, mmcv, mmtrack."""
    env_info = collect_base_env()
    try:
        import mmcv

        env_info["MMCV"] = mmcv.__version__
    except ImportError:  # pragma: no cover - mmcv-lite is a runtime dependency
        env_info["MMCV"] = "not installed"
    env_info["MMTracking"] = mmtrack.__version__ + "+" + get_git_hash(digits=7)
    return env_info


if __name__ == "__main__":
    for name, val in collect_env().items():
        print(f"{name}: {val}")
