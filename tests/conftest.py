"""Session set-up shared by every test.

The test helpers live in ``tests/helpers`` (not in the installed package).
pytest finds them through ``pythonpath`` in ``pyproject.toml``; tool
subprocesses (``python tools/train.py ...`` with a config that imports
``tests.helpers.*`` through ``custom_imports``) find them through
``PYTHONPATH``, which is extended here once for the whole session.
"""

from __future__ import annotations

import os
import os.path as osp

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
_paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
if ROOT not in _paths:
    os.environ["PYTHONPATH"] = os.pathsep.join([ROOT, *_paths])
