"""The docs' commands name existing scripts and options, and their code examples run.

Every ``python tools/...`` / ``python demo/...`` / ``bash tools/...`` command
in ``docs/en/*.md`` and ``demo/README.md`` must name a file of the
repository; every Python script named runs ``--help`` (in this process), and
every ``--option`` a command uses appears in that help (for ``dist_*.sh`` /
``slurm_*.sh``, in the help of ``train.py`` / ``test.py`` they pass options
to). Python blocks preceded by ``<!-- test: run -->`` are executed.
"""

from __future__ import annotations

import contextlib
import io
import os.path as osp
import re
import runpy
import subprocess
import sys
from glob import glob

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DOCS = sorted(glob(osp.join(ROOT, "docs", "en", "*.md"))) + [osp.join(ROOT, "demo", "README.md")]
COMMAND = re.compile(r"\b(python|bash)\s+(\.?/?(?:tools|demo)/[\w./-]+\.(?:py|sh))([^\n`]*)")
OPTION = re.compile(r"(?<![\w$])--[a-zA-Z][\w-]*")
# Launchers that pass their extra options to a Python tool.
PASS_THROUGH = {
    "tools/dist_train.sh": "tools/train.py",
    "tools/slurm_train.sh": "tools/train.py",
    "tools/dist_test.sh": "tools/test.py",
    "tools/slurm_test.sh": "tools/test.py",
}


def doc_text(path: str) -> str:
    """The document with backslash-continued lines joined."""
    with open(path) as f:
        return re.sub(r"\\\n\s*", " ", f.read())


def commands() -> list[tuple[str, str, str]]:
    """``(doc name, script path, rest of the command line)`` of every command."""
    found = []
    for doc in DOCS:
        for _, script, rest in COMMAND.findall(doc_text(doc)):
            script = script[2:] if script.startswith("./") else script
            found.append((osp.relpath(doc, ROOT), script, rest))
    return found


ALL = commands()
SCRIPTS = sorted({s for _, s, _ in ALL})
_HELP: dict[tuple[str, ...], str] = {}


def help_text(script: str, *sub: str) -> str:
    """``script [sub] --help`` output, run in this process."""
    key = (script, *sub)
    if key not in _HELP:
        out = io.StringIO()
        argv = sys.argv
        sys.argv = [osp.join(ROOT, script), *sub, "--help"]
        try:
            with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as exit_info:
                runpy.run_path(osp.join(ROOT, script), run_name="__main__")
        finally:
            sys.argv = argv
        assert exit_info.value.code in (0, None), f"{script} --help exited {exit_info.value.code}"
        _HELP[key] = out.getvalue()
    return _HELP[key]


def test_docs_have_commands():
    assert len(ALL) >= 40 and len(SCRIPTS) >= 25


@pytest.mark.parametrize("script", SCRIPTS)
def test_script_exists_and_has_help(script):
    path = osp.join(ROOT, script)
    assert osp.isfile(path), f"{script} is named in the docs but does not exist"
    if script.endswith(".sh"):
        assert subprocess.run(["bash", "-n", path]).returncode == 0
    else:
        assert "usage:" in help_text(script)


@pytest.mark.parametrize("doc, script, rest", ALL, ids=[f"{d}:{s}" for d, s, _ in ALL])
def test_documented_options_exist(doc, script, rest):
    target = PASS_THROUGH.get(script, script)
    if not target.endswith(".py"):
        assert not OPTION.findall(rest), f"{doc}: {script} takes no options"
        return
    text = help_text(target)
    words = rest.split()
    subcommands = re.search(r"\{([\w,]+)\}", text)
    if subcommands and words and words[0] in subcommands.group(1).split(","):
        text += help_text(target, words[0])
    for option in OPTION.findall(rest):
        assert re.search(rf"{re.escape(option)}(?![\w-])", text), (
            f"{doc}: `{script}{rest}` uses {option}, which {target} --help does not list"
        )


def runnable_blocks() -> list[tuple[str, str]]:
    blocks = []
    for doc in DOCS:
        with open(doc) as f:
            text = f.read()
        for code in re.findall(r"<!-- test: run -->\s*```python\n(.*?)```", text, re.S):
            blocks.append((osp.relpath(doc, ROOT), code))
    return blocks


def test_customization_examples_run():
    import numpy as np
    import torch

    from mmtrack.registry import MODELS, TASK_UTILS

    blocks = runnable_blocks()
    assert len(blocks) == 3
    scope: dict = {}
    for _, code in blocks:
        exec(compile(code, "customization.md", "exec"), scope)
    # the tracker: two objects moving right keep their ids; a far jump starts a new track
    tracker = MODELS.build(dict(type="CentroidTracker", max_distance=20))
    boxes = np.array([[0.0, 0, 10, 10], [50, 50, 60, 60]])
    ids = []
    for t in range(3):
        out = tracker.update(boxes + 5 * t, np.array([0.9, 0.8]), np.zeros(2, int), t)
        ids.append(out["ids"].tolist())
    assert ids == [[0, 1], [0, 1], [0, 1]]
    out = tracker.update(np.array([[200.0, 200, 210, 210]]), np.array([0.9]), np.zeros(1, int), 3)
    assert out["ids"].tolist() == [2]
    # the Kalman filter: halved noise weights give a quarter of the position and
    # velocity variances (the aspect ratio's noise is fixed, not scaled by the box)
    steady = TASK_UTILS.build(dict(type="SteadyKalmanFilter"))
    base = TASK_UTILS.build(dict(type="KalmanFilter"))
    z = np.array([[50.0, 50.0, 0.5, 100.0]])
    scaled = [0, 1, 3, 4, 5, 7]
    var_steady = np.diagonal(steady.initiate(z)[1][0])
    var_base = np.diagonal(base.initiate(z)[1][0])
    np.testing.assert_allclose(var_steady[scaled], var_base[scaled] / 4)
    np.testing.assert_allclose(var_steady[[2, 6]], var_base[[2, 6]])
    # the loss: 2 * log(cosh(1)) on every element, averaged
    assert scope["value"].item() == pytest.approx(2 * np.log(np.cosh(1.0)), rel=1e-6)
    assert isinstance(scope["value"], torch.Tensor)


def test_internal_links_resolve():
    for doc in DOCS:
        for target in re.findall(r"\]\(([\w./-]+\.md)\)", doc_text(doc)):
            path = osp.normpath(osp.join(osp.dirname(doc), target))
            assert osp.isfile(path), f"{osp.relpath(doc, ROOT)} links to missing {target}"
