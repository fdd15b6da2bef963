"""Distributed start-up that also works on CPU-only machines.

mmengine 0.10.7's ``init_dist`` always calls ``torch.cuda.set_device`` and
defaults to the NCCL backend, so ``--launcher pytorch`` fails on a machine
without CUDA. :func:`init_dist` keeps mmengine's behaviour whenever an
accelerator is present and otherwise starts a ``gloo`` process group on CPU
(one process per "GPU" that ``tools/dist_train.sh`` asks for).
"""

from __future__ import annotations

import datetime
import os
import subprocess

import torch
import torch.distributed as torch_dist
from mmengine.device import get_device
from mmengine.dist import init_dist as mmengine_init_dist
from mmengine.logging import print_log

__all__ = ["init_dist", "uses_accelerator"]

_LAUNCHERS = ("pytorch", "slurm", "mpi")


def uses_accelerator() -> bool:
    """Whether mmengine would place the model on an accelerator (CUDA, NPU, ...)."""
    return get_device() != "cpu"


def _env_int(name: str, launcher: str) -> int:
    value = os.environ.get(name)
    if value is None:
        raise RuntimeError(
            f"launcher '{launcher}' needs the environment variable {name}; start the "
            "job with tools/dist_train.sh (torchrun) or tools/slurm_train.sh"
        )
    return int(value)


def _cpu_env_from_launcher(launcher: str, port: int | None) -> tuple[int, int]:
    """Fill ``RANK``/``WORLD_SIZE``/``MASTER_*`` from the launcher; return (rank, world)."""
    if launcher == "pytorch":
        return _env_int("RANK", launcher), _env_int("WORLD_SIZE", launcher)
    if launcher == "mpi":
        rank = _env_int("OMPI_COMM_WORLD_RANK", launcher)
        world_size = _env_int("OMPI_COMM_WORLD_SIZE", launcher)
        os.environ.setdefault("MASTER_PORT", "29500")
        if "MASTER_ADDR" not in os.environ:
            raise RuntimeError("launcher 'mpi' needs the environment variable MASTER_ADDR")
    else:  # slurm
        rank = _env_int("SLURM_PROCID", launcher)
        world_size = _env_int("SLURM_NTASKS", launcher)
        if port is not None:
            os.environ["MASTER_PORT"] = str(port)
        os.environ.setdefault("MASTER_PORT", "29500")
        if "MASTER_ADDR" not in os.environ:
            node_list = os.environ["SLURM_NODELIST"]
            os.environ["MASTER_ADDR"] = subprocess.getoutput(
                f"scontrol show hostname {node_list} | head -n1"
            )
        os.environ["LOCAL_RANK"] = os.environ.get("SLURM_LOCALID", "0")
    os.environ["RANK"] = str(rank)
    os.environ["WORLD_SIZE"] = str(world_size)
    return rank, world_size


def init_dist(
    launcher: str,
    backend: str | None = None,
    init_backend: str = "torch",
    port: int | None = None,
    **kwargs,
) -> None:
    """Initialise the default process group for ``launcher``.

    With an accelerator this is mmengine's ``init_dist`` (``backend`` defaults
    to ``'nccl'``). Without one, the group is created on CPU with ``gloo``
    (a requested ``'nccl'`` is replaced by ``'gloo'``) and no device is
    selected.

    Args:
        launcher: ``'pytorch'`` (torchrun), ``'slurm'`` or ``'mpi'``.
        backend: communication backend. Defaults to None (``'nccl'`` with
            CUDA, ``'gloo'`` without).
        init_backend: ``'torch'`` (mmengine also knows ``'deepspeed'`` and
            ``'colossalai'``, which need CUDA). Defaults to ``'torch'``.
        port: master port for ``'slurm'``. Defaults to None (``MASTER_PORT``
            or 29500).
        **kwargs: passed to ``torch.distributed.init_process_group``;
            ``timeout`` is in seconds.
    """
    if launcher not in _LAUNCHERS:
        raise ValueError(f"invalid launcher '{launcher}', expected one of {_LAUNCHERS}")
    if uses_accelerator():
        if launcher == "slurm":
            kwargs["port"] = port
        mmengine_init_dist(launcher, backend=backend or "nccl", init_backend=init_backend, **kwargs)
        return
    if init_backend != "torch":
        raise ValueError(f"init_backend='{init_backend}' needs CUDA; use 'torch' on CPU")
    if backend not in (None, "gloo"):
        print_log(
            f"no CUDA device: using the 'gloo' backend instead of '{backend}'",
            logger="current",
        )
    timeout = kwargs.pop("timeout", None)
    if timeout is not None:
        kwargs["timeout"] = datetime.timedelta(seconds=timeout)
    rank, world_size = _cpu_env_from_launcher(launcher, port)
    torch_dist.init_process_group(backend="gloo", rank=rank, world_size=world_size, **kwargs)
    # Keep intra-op threads modest: every rank shares the machine's cores.
    if "OMP_NUM_THREADS" not in os.environ:
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // max(1, world_size)))
