#!/usr/bin/env python
"""Convert an OSTrack checkpoint (``OSTrack_ep0300.pth.tar``) for mmtrack's ``OSTrack``.

The OSTrack repository (botaoye/OSTrack) saves ``dict(net=state_dict, epoch,
actor_type, net_type, net_info, constructor, optimizer, stats, settings)``.
mmtrack's ``OSTrack`` names its modules as the original (``backbone.*`` for
``VisionTransformerCE``, ``box_head.*`` for ``CenterPredictor``), so the
weights are kept key for key; the tool

* reads the file with ``weights_only`` loading: the trainer's own objects
  (``settings``, ``stats``: classes of the OSTrack package) are rebuilt as
  inert placeholders, never imported or run;
* keeps ``net`` (without a ``module.`` prefix) as ``state_dict`` and the epoch
  in ``meta``; drops the optimizer and trainer state;
* checks that every key belongs to the OSTrack model (``backbone.*``,
  ``box_head.*``) and that the backbone has its blocks, CE position
  embeddings and the centre head.

Example::

    python tools/model_converters/ostrack_to_mmtrack.py OSTrack_ep0300.pth.tar ostrack_vitb_256.pth
"""

from __future__ import annotations

import argparse
import os
import os.path as osp
import pickle
import sys
import tempfile
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import torch

from mmtrack.utils.checkpoint import get_safe_globals

REQUIRED_KEYS = (
    "backbone.patch_embed.proj.weight",
    "backbone.pos_embed_z",
    "backbone.pos_embed_x",
    "backbone.blocks.0.attn.qkv.weight",
    "backbone.norm.weight",
    "box_head.conv1_ctr.0.weight",
    "box_head.conv5_size.weight",
)


class _Placeholder:
    """Inert stand-in for a class of the OSTrack package found in a checkpoint."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.args, self.kwargs = args, kwargs

    def __setstate__(self, state: Any) -> None:
        self.state = state


def _placeholders(path: str) -> list[tuple[type, str]]:
    """One placeholder class per global that weights-only loading does not know."""
    with torch.serialization.safe_globals(get_safe_globals()):
        names = torch.serialization.get_unsafe_globals_in_checkpoint(path)
    out = []
    for name in names:
        module, _, qualname = name.rpartition(".")
        if module.split(".")[0] in ("torch", "builtins", "os", "sys", "subprocess", "posix", "nt"):
            raise pickle.UnpicklingError(
                f"{path}: refers to {name}, which is not part of an OSTrack checkpoint; refusing it"
            )
        stub = type(qualname or name, (_Placeholder,), {"__module__": module})
        out.append((stub, name))
    return out


def load_ostrack_checkpoint(path: str) -> dict:
    """Read an OSTrack ``.pth.tar`` safely (its trainer objects become placeholders)."""
    if not osp.isfile(path):
        raise FileNotFoundError(f"checkpoint file not found: {path}")
    with torch.serialization.safe_globals(get_safe_globals() + _placeholders(path)):
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(ckpt, dict):
        raise ValueError(f"{path}: expected a dict, got {type(ckpt).__name__}")
    return ckpt


def convert_state_dict(net: dict, name: str = "checkpoint") -> OrderedDict:
    """OSTrack ``net`` state dict -> mmtrack ``OSTrack`` state dict (checked)."""
    if not isinstance(net, dict) or not net:
        raise ValueError(f"{name}: 'net' is not a non-empty state dict")
    out = OrderedDict()
    for key, value in net.items():
        key = key[len("module.") :] if key.startswith("module.") else key
        if not key.startswith(("backbone.", "box_head.")):
            raise ValueError(f"{name}: key {key!r} is not part of an OSTrack model")
        if not isinstance(value, torch.Tensor):
            raise ValueError(f"{name}: value of {key!r} is a {type(value).__name__}, not a tensor")
        out[key] = value
    missing = [k for k in REQUIRED_KEYS if k not in out]
    if missing:
        raise ValueError(
            f"{name}: not an OSTrack (ViT-CE + centre head) checkpoint, missing {missing}"
        )
    return out


def convert_checkpoint(in_file: str, out_file: str) -> int:
    """Convert ``in_file`` into ``out_file`` (written atomically); returns the tensor count."""
    ckpt = load_ostrack_checkpoint(in_file)
    if "net" in ckpt:
        net = ckpt["net"]
    elif "state_dict" in ckpt:
        net = ckpt["state_dict"]
    else:
        raise ValueError(f"{in_file}: no 'net' (keys: {sorted(map(str, ckpt))[:10]})")
    state = convert_state_dict(net, in_file)
    meta = dict(source=osp.basename(in_file), converter="ostrack_to_mmtrack")
    if isinstance(ckpt.get("epoch"), int):
        meta["epoch"] = ckpt["epoch"]
    out_dir = osp.dirname(osp.abspath(out_file))
    os.makedirs(out_dir, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out_dir, suffix=".tmp")
    os.close(fd)
    try:
        torch.save(dict(state_dict=state, meta=meta), tmp)
        os.replace(tmp, out_file)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise
    return len(state)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the tool; returns the exit code (1 on a bad input)."""
    parser = argparse.ArgumentParser(
        prog="ostrack_to_mmtrack.py", description="Convert an OSTrack checkpoint for mmtrack"
    )
    parser.add_argument("in_file", help="OSTrack checkpoint (.pth.tar with 'net')")
    parser.add_argument("out_file", help="output checkpoint")
    args = parser.parse_args(argv)
    try:
        count = convert_checkpoint(args.in_file, args.out_file)
    except (OSError, ValueError, pickle.UnpicklingError, RuntimeError) as e:
        print(f"ostrack_to_mmtrack.py: error: {e}", file=sys.stderr)
        return 1
    print(f"wrote {args.out_file}: {count} tensors (backbone.*, box_head.*)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
