#!/usr/bin/env python
"""Prepare a checkpoint for release: CPU tensors, no training state, hash in the name.

As MMTracking's ``publish_model.py``: the checkpoint is loaded safely
(``weights_only``), its tensors moved to the CPU, the training-only entries
(``optimizer``, ``message_hub``, ``param_schedulers``, ``scheduler``,
``amp``/``loss_scaler``) dropped, ``state_dict`` and ``meta`` (and
``ema_state_dict``) kept; the result is saved and the first 8 hex digits of
the SHA-256 of the saved file are appended to its name.

Example::

    python tools/analysis_tools/publish_model.py work_dirs/exp/epoch_12.pth bytetrack_mot17.pth
    # -> bytetrack_mot17-<8 hex digits>.pth
"""

from __future__ import annotations

import argparse
import hashlib
import os
import os.path as osp
import sys
import tempfile
from collections.abc import Sequence
from typing import Any

import torch

from mmtrack.utils.checkpoint import safe_torch_load

#: Entries of an mmengine checkpoint that only matter to resume training.
TRAINING_KEYS = ("optimizer", "message_hub", "param_schedulers", "scheduler", "amp", "loss_scaler")


def sha256_of(path: str, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()


def _to_cpu(obj: Any) -> Any:
    if isinstance(obj, torch.Tensor):
        return obj.detach().cpu()
    if isinstance(obj, dict):
        return type(obj)((k, _to_cpu(v)) for k, v in obj.items())
    if isinstance(obj, (list, tuple)):
        return type(obj)(_to_cpu(v) for v in obj)
    return obj


def process_checkpoint(in_file: str, out_file: str) -> str:
    """Publish ``in_file`` as ``<out_file stem>-<sha256[:8]>.pth``.

    Args:
        in_file: a checkpoint (a dict with ``state_dict``, or a bare state dict).
        out_file: the wanted name; ``.pth`` is added when missing.

    Returns:
        The path of the published file.

    Raises:
        FileNotFoundError: ``in_file`` does not exist.
        ValueError: the checkpoint is not a dict.
    """
    checkpoint = safe_torch_load(in_file, map_location="cpu")
    if not isinstance(checkpoint, dict):
        raise ValueError(f"{in_file}: expected a checkpoint dict, got {type(checkpoint).__name__}")
    if "state_dict" not in checkpoint and all(
        isinstance(v, torch.Tensor) for v in checkpoint.values()
    ):
        checkpoint = dict(state_dict=checkpoint)
    for key in TRAINING_KEYS:
        checkpoint.pop(key, None)
    checkpoint = _to_cpu(checkpoint)
    stem = out_file[:-4] if out_file.endswith(".pth") else out_file
    out_dir = osp.dirname(osp.abspath(stem))
    os.makedirs(out_dir, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".pth", prefix=".publish.tmp-", dir=out_dir)
    os.close(fd)
    try:
        torch.save(checkpoint, tmp)
        final = f"{stem}-{sha256_of(tmp)[:8]}.pth"
        os.replace(tmp, final)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
    return final


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command line of ``publish_model.py``."""
    parser = argparse.ArgumentParser(
        prog="publish_model.py", description="Process a checkpoint to be published"
    )
    parser.add_argument("in_file", help="input checkpoint file")
    parser.add_argument("out_file", help="output checkpoint file (the hash is appended)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the tool; returns the exit code (1 on a bad checkpoint)."""
    import pickle

    args = parse_args(argv)
    try:
        final = process_checkpoint(args.in_file, args.out_file)
    except (OSError, ValueError, pickle.UnpicklingError, RuntimeError) as e:
        print(f"publish_model.py: error: {e}", file=sys.stderr)
        return 1
    print(f"published {final}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
