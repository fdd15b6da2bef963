"""Load command-line scripts under ``tools/`` as modules in tests."""

from __future__ import annotations

import importlib.util
import os.path as osp
import sys
from types import ModuleType

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def load_tool(relpath: str) -> ModuleType:
    """Import a script such as ``tools/dataset_converters/mot/mot2coco.py``.

    Args:
        relpath (str): Path relative to the repository root.

    Returns:
        ModuleType: The loaded module (its ``main(argv)`` can be called).
    """
    path = osp.join(REPO_ROOT, relpath)
    name = 'tool_' + relpath.replace('/', '_').replace('.', '_').replace('-', '_')
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
