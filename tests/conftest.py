"""Session set-up shared by every test.

The test helpers live in ``tests/helpers`` (not in the installed package).
pytest finds them through ``pythonpath`` in ``pyproject.toml``; tool
subprocesses (``python tools/train.py ...`` with a config that imports
``tests.helpers.*`` through ``custom_imports``) find them through
``PYTHONPATH``, which is extended here once for the whole session.

Under ``pytest -n N`` each worker computes with one thread (and so do the
subprocesses it starts): the workers already fill the cores, and two
OpenMP threads per worker on a busy 2-core machine spin-wait for each other;
the offline demo model's evaluation took 156 s that way against 7 s alone.
"""

from __future__ import annotations

import os
import os.path as osp

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
_paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
if ROOT not in _paths:
    os.environ["PYTHONPATH"] = os.pathsep.join([ROOT, *_paths])

if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ["OMP_NUM_THREADS"] = "1"
    os.environ["MKL_NUM_THREADS"] = "1"
    import torch

    torch.set_num_threads(1)


def pytest_collection_modifyitems(config, items) -> None:
    """Run the ``slow`` tests first, in collection order, then the rest.

    With ``--dist loadfile`` (``tools/run_tests.sh``) each file goes to one
    worker, so a module fixture that trains a model runs once and no worker
    waits on another's training; starting with them leaves the many short
    tests to fill both workers at the end.
    """
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
