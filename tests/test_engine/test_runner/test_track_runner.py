"""TrackRunner and init_dist: distributed training without CUDA (gloo, no device_ids)."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
import torch
import torch.distributed as dist
from mmengine.model import MMDistributedDataParallel

from mmtrack.engine.runner import dist_utils, track_runner
from mmtrack.engine.runner.dist_utils import init_dist
from tests.helpers.toy import build_toy_runner


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def single_rank_env(monkeypatch: pytest.MonkeyPatch):
    """torchrun's variables for a world of one process, on CPU."""
    for key, value in dict(RANK="0", LOCAL_RANK="0", WORLD_SIZE="1", MASTER_ADDR="127.0.0.1",
                           MASTER_PORT=str(_free_port()), OMP_NUM_THREADS="1",
                           MKL_NUM_THREADS="1").items():
        monkeypatch.setenv(key, value)
    # Take the CPU path even where CUDA exists.
    monkeypatch.setattr(dist_utils, "uses_accelerator", lambda: False)
    monkeypatch.setattr(track_runner, "uses_accelerator", lambda: False)
    yield
    if dist.is_initialized():
        dist.destroy_process_group()


def test_init_dist_cpu_uses_gloo(single_rank_env) -> None:
    init_dist("pytorch", backend="nccl", timeout=60)
    assert dist.is_initialized()
    assert dist.get_backend() == "gloo"
    assert (dist.get_rank(), dist.get_world_size()) == (0, 1)
    tensor = torch.tensor([3.0])
    dist.all_reduce(tensor)
    assert tensor.item() == 3.0


@pytest.mark.parametrize("launcher, env", [
    ("slurm", dict(SLURM_PROCID="0", SLURM_NTASKS="1", SLURM_NODELIST="node1", SLURM_LOCALID="0")),
    ("mpi", dict(OMPI_COMM_WORLD_RANK="0", OMPI_COMM_WORLD_SIZE="1")),
])
def test_init_dist_cpu_slurm_and_mpi(launcher: str, env: dict, single_rank_env,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("RANK", "WORLD_SIZE", "LOCAL_RANK"):
        monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    init_dist(launcher)
    assert dist.get_backend() == "gloo"
    assert (dist.get_rank(), dist.get_world_size()) == (0, 1)
    assert os.environ["RANK"] == "0" and os.environ["WORLD_SIZE"] == "1"


def test_init_dist_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dist_utils, "uses_accelerator", lambda: False)
    monkeypatch.delenv("RANK", raising=False)
    with pytest.raises(RuntimeError, match="needs the environment variable RANK"):
        init_dist("pytorch")
    with pytest.raises(ValueError, match="invalid launcher 'torchrun'"):
        init_dist("torchrun")
    with pytest.raises(ValueError, match="needs CUDA"):
        init_dist("pytorch", init_backend="deepspeed")


def test_track_runner_trains_ddp_on_cpu(single_rank_env, tmp_path: Path) -> None:
    runner = build_toy_runner(str(tmp_path), {"launcher": "pytorch", "train_cfg.max_iters": 2,
                                             "train_cfg.val_interval": 100,
                                             "sync_bn": "torch"})
    assert runner.distributed
    assert dist.get_backend() == "gloo"
    assert isinstance(runner.model, MMDistributedDataParallel)
    assert runner.model.device_ids is None
    before = runner.model.module.linear.weight.detach().clone()
    runner.train()
    assert runner.iter == 2
    assert not torch.equal(before, runner.model.module.linear.weight.detach())


def test_track_runner_non_distributed_is_plain_model(tmp_path: Path) -> None:
    runner = build_toy_runner(str(tmp_path), {"train_cfg.max_iters": 1})
    assert not runner.distributed
    assert type(runner.model).__name__ == "ToyTrackModel"
