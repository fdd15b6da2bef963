"""End-to-end proof of tools/train.py, tools/test.py and tools/dist_train.sh on CPU.

The toy job (``tests/data/toy/toy_regression.py``, ``tests.helpers.toy``) is a
2-parameter-plus-bias linear regression trained for 8 iterations with SGD
(momentum 0.9) and a MultiStepLR milestone at iteration 6.
"""

from __future__ import annotations

import importlib.util
import json
import os
import pickle
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from mmtrack.utils.checkpoint import safe_torch_load
from tests.helpers.toy import TOY_CONFIG, build_toy_runner

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / "tools"
PY = sys.executable


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    env.pop("MMTRACK_DEBUG", None)
    env.update(extra)
    return env


def _run(cmd: list[str], timeout: int = 300, **env: str) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [str(c) for c in cmd],
        cwd=ROOT,
        env=_env(**env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    report = f"{cmd}\nSTDOUT:\n{proc.stdout[-3000:]}\nSTDERR:\n{proc.stderr[-3000:]}"
    assert proc.returncode == 0, report
    return proc


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _toy_data(num_samples: int) -> tuple[np.ndarray, np.ndarray]:
    """The toy data set, written out from its definition: x_i and y_i = 2 x0 - x1 + 0.5."""
    x = np.array([[i / num_samples, ((3 * i) % num_samples) / num_samples - 0.5]
                  for i in range(num_samples)])
    y = 2.0 * x[:, 0] - 1.0 * x[:, 1] + 0.5
    return x, y


def _load_tool(relpath: str):
    spec = importlib.util.spec_from_file_location(f"_tool_{Path(relpath).stem}", TOOLS / relpath)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def resumed(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Train 4 of 8 iterations ("crash"), then resume with --resume (auto latest).

    The first run calls tools/train.py's main() in this process (saves a process
    start); the resumed run is a real ``python tools/train.py`` subprocess.
    """
    work_dir = tmp_path_factory.mktemp("resume")
    train_tool = _load_tool("train.py")
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("LOCAL_RANK", raising=False)  # train.py exports it
        status = train_tool.run_tool(train_tool.main, [
            TOY_CONFIG, "--work-dir", str(work_dir), "--cfg-options",
            "custom_hooks.1.stop_after_iter=4", f"experiment_name=first_{work_dir.name}"])
    assert status == 0
    files_after_first = sorted(p.name for p in work_dir.glob("*.pth"))
    weights_after_first = json.loads((work_dir / "weights_rank0.json").read_text())
    second = _run([PY, TOOLS / "train.py", TOY_CONFIG, "--work-dir", work_dir, "--resume"])
    return dict(work_dir=work_dir, second=second,
                files_after_first=files_after_first, weights_after_first=weights_after_first)


def test_interrupted_run_writes_iter4_checkpoint(resumed: dict) -> None:
    assert resumed["files_after_first"] == ["iter_4.pth"]
    assert resumed["weights_after_first"]["iter"] == 4
    ckpt = safe_torch_load(resumed["work_dir"] / "iter_4.pth")
    assert ckpt["meta"]["iter"] == 4
    assert set(ckpt["state_dict"]) == {"linear.weight", "linear.bias"}


def test_resume_continues_iteration_count(resumed: dict) -> None:
    out = resumed["second"].stdout
    assert "Auto resumed from the latest checkpoint" in out
    assert "resumed epoch: 0, iter: 4" in out
    assert "Iter(train) [5/8]" in out and "Iter(train) [8/8]" in out
    assert "Iter(train) [1/8]" not in out
    ckpt = safe_torch_load(resumed["work_dir"] / "iter_8.pth")
    assert ckpt["meta"]["iter"] == 8
    # MultiStepLR(milestones=[6], gamma=0.1) from lr 0.1: 0.1 * 0.1 after iteration 6.
    assert ckpt["optimizer"]["param_groups"][0]["lr"] == pytest.approx(0.01)


def test_resume_equals_uninterrupted_run(resumed: dict, tmp_path: Path) -> None:
    runner = build_toy_runner(str(tmp_path / "full"))
    runner.train()
    resumed_ckpt = safe_torch_load(resumed["work_dir"] / "iter_8.pth")
    reference = runner.model.state_dict()
    for key, value in resumed_ckpt["state_dict"].items():
        assert torch.equal(value, reference[key]), key
    # Optimizer (momentum buffers) and scheduler state continue identically too.
    ref_opt = runner.optim_wrapper.state_dict()
    for idx, state in resumed_ckpt["optimizer"]["state"].items():
        assert torch.equal(state["momentum_buffer"], ref_opt["state"][idx]["momentum_buffer"])
    assert resumed_ckpt["param_schedulers"][0] == runner.param_schedulers[0].state_dict()


def test_test_tool_evaluates_checkpoint(resumed: dict, tmp_path: Path) -> None:
    ckpt_path = resumed["work_dir"] / "iter_8.pth"
    out_pkl = tmp_path / "preds.pkl"
    _run([PY, TOOLS / "test.py", TOY_CONFIG, "--checkpoint", ckpt_path,
          "--work-dir", tmp_path / "wd", "--out", out_pkl])
    state = safe_torch_load(ckpt_path)["state_dict"]
    w = state["linear.weight"].double().numpy().reshape(2)
    b = float(state["linear.bias"])
    x, y = _toy_data(8)  # the test set has 8 samples
    pred = x @ w + b
    expected_mse = float(np.mean((pred - y) ** 2))
    logs = list((tmp_path / "wd").glob("*/*.json"))
    assert len(logs) == 1
    metrics = json.loads(logs[0].read_text())
    assert metrics["toy/mse"] == pytest.approx(expected_mse, rel=1e-6)
    assert metrics["toy/num_samples"] == 8
    with open(out_pkl, "rb") as f:
        dumped = pickle.load(f)
    np.testing.assert_allclose([d["pred"] for d in dumped], pred, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose([d["gt"] for d in dumped], y, rtol=1e-6)


def test_dist_train_two_cpu_processes(tmp_path: Path) -> None:
    work_dir = tmp_path / "dist"
    _run(["bash", TOOLS / "dist_train.sh", TOY_CONFIG, "2", "--work-dir", work_dir],
         PYTHON=PY, PORT=str(_free_port()))
    rank0 = json.loads((work_dir / "weights_rank0.json").read_text())
    rank1 = json.loads((work_dir / "weights_rank1.json").read_text())
    assert rank0["iter"] == rank1["iter"] == 8
    assert rank0 == rank1
    saved = safe_torch_load(work_dir / "iter_8.pth")
    # ExactResumeHook gathered both ranks' random states for the main rank's save
    assert len(saved["meta"]["exact_resume"]["rng"]) == 2
    ckpt = saved["state_dict"]
    np.testing.assert_array_equal(ckpt["linear.weight"].double().numpy(), rank0["linear.weight"])
    # DDP averages the gradients of the 2 x 2 samples of the two ranks, which is the
    # gradient of one process with batches of 4 taken from the same shuffled order.
    single = build_toy_runner(str(tmp_path / "single"), {"train_dataloader.batch_size": 4})
    single.train()
    np.testing.assert_allclose(
        single.model.linear.weight.detach().double().numpy(), rank0["linear.weight"], atol=1e-6
    )
    np.testing.assert_allclose(
        single.model.linear.bias.detach().double().numpy(), rank0["linear.bias"], atol=1e-6
    )
    # Validation gathered the 8 test samples of both ranks.
    scalars = (work_dir.glob("*/vis_data/scalars.json"))
    records = [json.loads(line) for p in scalars for line in p.read_text().splitlines()]
    assert [r["toy/num_samples"] for r in records if "toy/num_samples" in r] == [8, 8]


def _fake_command(tmp_path: Path, name: str) -> tuple[Path, Path]:
    """An executable ``name`` that records its arguments, one per line."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    record = tmp_path / f"{name}.args"
    exe = bin_dir / name
    exe.write_text(f'#!/usr/bin/env bash\nprintf "%s\\n" "$@" > "{record}"\n')
    exe.chmod(0o755)
    return exe, record


def test_dist_test_script_passes_launch_settings(tmp_path: Path) -> None:
    fake_python, record = _fake_command(tmp_path, "python")
    _run(["bash", TOOLS / "dist_test.sh", "cfg.py", "3", "--checkpoint", "c.pth"],
         PYTHON=str(fake_python), PORT="29517", NNODES="2", NODE_RANK="1",
         MASTER_ADDR="10.1.2.3")
    assert record.read_text().splitlines() == [
        "-m", "torch.distributed.run", "--nnodes=2", "--node_rank=1",
        "--master_addr=10.1.2.3", "--nproc_per_node=3", "--master_port=29517",
        str(TOOLS / "test.py"), "cfg.py", "--launcher", "pytorch", "--checkpoint", "c.pth",
    ]


def test_slurm_scripts_compose_srun(tmp_path: Path) -> None:
    srun, record = _fake_command(tmp_path, "srun")
    path = f"{srun.parent}:{os.environ['PATH']}"
    _run(["bash", TOOLS / "slurm_train.sh", "part", "job", "cfg.py", "wd", "--amp"],
         PATH=path, GPUS="4", GPUS_PER_NODE="2", CPUS_PER_TASK="3",
         SRUN_ARGS="--quotatype=auto --x=1", PYTHON="/opt/py")
    assert record.read_text().splitlines() == [
        "-p", "part", "--job-name=job", "--gres=gpu:2", "--ntasks=4", "--ntasks-per-node=2",
        "--cpus-per-task=3", "--kill-on-bad-exit=1", "--quotatype=auto", "--x=1",
        "/opt/py", "-u", str(TOOLS / "train.py"), "cfg.py", "--work-dir=wd",
        "--launcher", "slurm", "--amp",
    ]
    _run(["bash", TOOLS / "slurm_test.sh", "part", "job", "cfg.py", "c.pth"],
         PATH=path, GPUS="2", PYTHON="/opt/py")
    assert record.read_text().splitlines() == [
        "-p", "part", "--job-name=job", "--gres=gpu:2", "--ntasks=2", "--ntasks-per-node=2",
        "--cpus-per-task=5", "--kill-on-bad-exit=1",
        "/opt/py", "-u", str(TOOLS / "test.py"), "cfg.py", "--checkpoint", "c.pth",
        "--launcher", "slurm",
    ]
