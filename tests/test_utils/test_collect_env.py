"""collect_env reports the versions of the stack."""

from __future__ import annotations

import runpy
import sys

import mmcv
import mmengine
import pytest
import torch

import mmtrack
from mmtrack.utils import collect_env


def test_collect_env_versions() -> None:
    env = collect_env()
    assert env["PyTorch"] == torch.__version__
    assert env["MMEngine"] == mmengine.__version__
    assert env["MMCV"] == mmcv.__version__
    assert env["MMTracking"].split("+")[0] == mmtrack.__version__
    assert env["Python"].startswith(sys.version.split()[0])
    assert env["CUDA available"] is torch.cuda.is_available()


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # runpy: module already imported
def test_collect_env_main_prints_every_entry(capsys) -> None:
    runpy.run_module("mmtrack.utils.collect_env", run_name="__main__")
    lines = capsys.readouterr().out.splitlines()
    printed = dict(line.split(": ", 1) for line in lines if ": " in line)
    assert printed["PyTorch"] == torch.__version__
    assert {"MMEngine", "MMCV", "MMTracking"} <= set(printed)
