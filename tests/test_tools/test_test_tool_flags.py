"""tools/test.py: MMTracking 0.14's --fuse-conv-bn, --gpu-collect, --tmpdir, --show-score-thr
and strict --checkpoint loading, run as a user runs them."""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from tests.helpers.toy import TOY_CONFIG, build_toy_runner
from tests.helpers.toy_bn import FoldBNTestNet

ROOT = Path(__file__).resolve().parents[2]
TEST_PY = ROOT / "tools" / "test.py"


def _tool():
    spec = importlib.util.spec_from_file_location("_tool_test_flags", TEST_PY)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(*args: object) -> subprocess.CompletedProcess:
    env = dict(os.environ, OMP_NUM_THREADS="1")
    env.pop("MMTRACK_DEBUG", None)
    return subprocess.run([sys.executable, TEST_PY, *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def conv_bn_job(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict]:
    """The toy regression config with conv + BN, and a checkpoint with non-trivial BN stats."""
    folder = tmp_path_factory.mktemp("convbn")
    cfg = folder / "toy_conv_bn.py"
    cfg.write_text(
        f"_base_ = [{TOY_CONFIG!r}]\n"
        "custom_imports = dict(imports=['tests.helpers.toy', 'tests.helpers.toy_bn'], "
        "allow_failed_imports=False)\n"
        "model = dict(type='FoldBNTestNet', in_features=2)\n"
    )
    torch.manual_seed(3)
    model = FoldBNTestNet()
    bn = model.linear.bn
    bn.running_mean.copy_(torch.tensor([0.3, -0.2]))
    bn.running_var.copy_(torch.tensor([0.5, 2.0]))
    bn.weight.data.copy_(torch.tensor([1.5, -0.7]))
    bn.bias.data.copy_(torch.tensor([0.1, 0.4]))
    state = {k: v.clone() for k, v in model.state_dict().items()}
    ckpt = folder / "conv_bn.pth"
    torch.save({"state_dict": state, "meta": {}}, ckpt)
    return cfg, ckpt, state


def _expected_mse(state: dict) -> float:
    """MSE of y = fc(bn(conv(x))) on the 8 toy test samples, in float64 numpy."""
    n = 8
    x = np.array([[i / n, ((3 * i) % n) / n - 0.5] for i in range(n)])
    y = 2 * x[:, 0] - x[:, 1] + 0.5
    s = {k: v.double().numpy() for k, v in state.items()}
    z = x @ s["linear.conv.weight"][:, :, 0].T + s["linear.conv.bias"]
    z = (z - s["linear.bn.running_mean"]) / np.sqrt(s["linear.bn.running_var"] + 1e-5)
    z = z * s["linear.bn.weight"] + s["linear.bn.bias"]
    pred = z @ s["linear.fc.weight"].T[:, 0] + s["linear.fc.bias"][0]
    return float(np.mean((pred - y) ** 2))


def _mse(work_dir: Path) -> float:
    logs = list(work_dir.glob("*/*.json"))
    assert len(logs) == 1, logs
    return json.loads(logs[0].read_text())["toy/mse"]


def test_old_command_line_runs_and_fusion_keeps_the_metric(conv_bn_job, tmp_path: Path) -> None:
    cfg, ckpt, state = conv_bn_job
    expected = _expected_mse(state)
    plain = _run(cfg, "--checkpoint", ckpt, "--work-dir", tmp_path / "plain")
    assert plain.returncode == 0, plain.stderr[-3000:]
    fused = _run(cfg, "--checkpoint", ckpt, "--work-dir", tmp_path / "fused", "--fuse-conv-bn",
                 "--gpu-collect", "--show-score-thr", "0.5")
    assert fused.returncode == 0, fused.stderr[-3000:]
    assert "--fuse-conv-bn: folded 1 of 1 BatchNorm layers" in fused.stdout + fused.stderr
    assert _mse(tmp_path / "plain") == pytest.approx(expected, rel=1e-5)
    assert _mse(tmp_path / "fused") == pytest.approx(expected, rel=1e-5)
    tmp = _run(cfg, "--checkpoint", ckpt, "--work-dir", tmp_path / "tmpdir",
               "--tmpdir", tmp_path / "collect")
    assert tmp.returncode == 0, tmp.stderr[-3000:]
    assert _mse(tmp_path / "tmpdir") == pytest.approx(expected, rel=1e-5)


def test_checkpoint_of_another_model_is_refused(conv_bn_job, tmp_path: Path) -> None:
    cfg, _, _ = conv_bn_job
    other = tmp_path / "linear.pth"
    torch.save({"state_dict": {"linear.weight": torch.ones(1, 2), "linear.bias": torch.ones(1)},
                "meta": {}}, other)
    proc = _run(cfg, "--checkpoint", other, "--work-dir", tmp_path / "wd")
    assert proc.returncode == 1
    line = proc.stderr.strip().splitlines()[-1]
    assert line.startswith(f"test.py: error: --checkpoint {other}: the checkpoint does not "
                           "match the model FoldBNTestNet: ")
    assert ("8 missing key(s) (in the model, not in the checkpoint): linear.conv.weight, "
            "linear.conv.bias, linear.bn.weight, linear.bn.bias, linear.bn.running_mean, "
            "linear.bn.running_var, linear.fc.weight, linear.fc.bias; ") in line
    assert "2 unexpected key(s) (in the checkpoint, not in the model): linear.weight, " \
        "linear.bias." in line
    assert not list((tmp_path / "wd").glob("*/*.json"))  # nothing was evaluated


def test_flags_set_their_mmengine_meaning(tmp_path: Path) -> None:
    tool = _tool()
    args = tool.parse_args([TOY_CONFIG, "--show-score-thr", "0.6", "--tmpdir", "collect"])
    assert tool.build_cfg(args).default_hooks.visualization.score_thr == 0.6
    runner = build_toy_runner(str(tmp_path / "r"))
    tool.apply_collect_args(runner, args)
    metric = runner.test_evaluator.metrics[0]
    assert metric.collect_device == "cpu" and metric.collect_dir == "collect"
    tool.apply_collect_args(runner, argparse.Namespace(gpu_collect=True, tmpdir=None))
    assert metric.collect_device == "gpu"
    with pytest.warns(UserWarning, match="--tmpdir is used only when collecting on the CPU"):
        args = tool.parse_args([TOY_CONFIG, "--gpu-collect", "--tmpdir", "t"])
    assert args.tmpdir is None and args.gpu_collect is True


def test_show_score_thr_errors() -> None:
    proc = _run(TOY_CONFIG, "--show-score-thr", "1.5")
    assert proc.returncode == 2
    assert "--show-score-thr must be in [0, 1], got 1.5" in proc.stderr
    proc = _run(TOY_CONFIG, "--show-score-thr", "0.5", "--cfg-options",
                "default_hooks.visualization=None")
    assert proc.returncode == 1
    assert "--show-score-thr needs default_hooks.visualization" in proc.stderr
