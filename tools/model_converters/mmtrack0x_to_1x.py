#!/usr/bin/env python
"""Convert an MMTracking 0.x checkpoint into the form mmtrack loads.

MMTracking 1.x loads the 0.x model-zoo checkpoints of ByteTrack, QDTrack,
SiamRPN++, SELSA, MaskTrack R-CNN... unchanged: their state-dict keys
(``detector.backbone.*``, ``detector.roi_head.bbox_head.fc_cls.*``,
``reid.head.fcs.0.fc.*``, ``track_head.*``) are the same in both versions,
and so in mmtrack. What differs, and what this tool converts:

* **Class names**: 0.x stores ``meta['CLASSES']`` / ``meta['PALETTE']``; 1.x
  and mmtrack read ``meta['dataset_meta'] = dict(classes=..., palette=...)``.
* **EMA buffers**: 0.x trainings with mmcv's ``EMAHook`` / mmdet's
  ``ExpMomentumEMAHook`` (YOLOX, ByteTrack) save one extra buffer per
  parameter, named ``ema_<param path with _ for .>`` (e.g.
  ``ema_detector_backbone_stem_conv_conv_weight``). The hook swaps the EMA
  weights into the model before the checkpoint is written, so the parameters
  already hold the EMA weights and the buffers (the raw weights) are dropped
  (``--keep-ema`` keeps them).
* **Separately trained parts**: 0.x SORT/DeepSORT/Tracktor models load a
  detector and a ReID checkpoint through ``init_cfg``/``pretrains`` (keys
  without prefix); ``--prefix detector`` and ``--add reid=REID.pth`` merge
  them into one model checkpoint (``detector.*``, ``reid.*``).
* **Training state**: ``optimizer`` (and mmengine's ``message_hub``,
  ``param_schedulers``) is dropped.

Examples::

    python tools/model_converters/mmtrack0x_to_1x.py bytetrack_0x.pth bytetrack.pth
    python tools/model_converters/mmtrack0x_to_1x.py faster-rcnn_mot17.pth deepsort.pth --prefix detector --add reid=reid_r50_mot17.pth
"""  # noqa: E501

from __future__ import annotations

import argparse
import os
import os.path as osp
import pickle
import re
import sys
import tempfile
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import torch

from mmtrack.utils.checkpoint import safe_torch_load

TRAINING_KEYS = ("optimizer", "message_hub", "param_schedulers", "scheduler", "amp", "loss_scaler")
# mmcv EMAHook buffer names: 'ema_' + the parameter path with '.' replaced by '_'.
_EMA_BUFFER = re.compile(r"^ema_[^.]+$")


def _state_dict(checkpoint: Any, name: str) -> tuple[dict, dict]:
    """``(state_dict, rest of the checkpoint)`` of a checkpoint or bare state dict."""
    if not isinstance(checkpoint, dict):
        raise ValueError(f"{name}: expected a checkpoint dict, got {type(checkpoint).__name__}")
    if "state_dict" in checkpoint:
        rest = {k: v for k, v in checkpoint.items() if k != "state_dict"}
        state = checkpoint["state_dict"]
    elif checkpoint and all(isinstance(v, torch.Tensor) for v in checkpoint.values()):
        rest, state = {}, checkpoint
    else:
        raise ValueError(f"{name}: no 'state_dict' (keys: {sorted(checkpoint)[:10]})")
    if not isinstance(state, dict):
        raise ValueError(f"{name}: 'state_dict' is a {type(state).__name__}, not a dict")
    return OrderedDict(state), rest


def _prefixed(state: dict, prefix: str | None) -> OrderedDict:
    if not prefix:
        return OrderedDict(state)
    prefix = prefix.rstrip(".") + "."
    return OrderedDict((k if k.startswith(prefix) else prefix + k, v) for k, v in state.items())


def convert_meta(meta: dict | None) -> dict:
    """0.x ``meta`` -> mmtrack ``meta``: ``CLASSES``/``PALETTE`` become ``dataset_meta``."""
    meta = dict(meta or {})
    dataset_meta = dict(meta.get("dataset_meta") or {})
    if "CLASSES" in meta:
        classes = meta.pop("CLASSES")
        if classes is not None:
            dataset_meta.setdefault("classes", tuple(classes))
    if "PALETTE" in meta:
        palette = meta.pop("PALETTE")
        if palette is not None:
            dataset_meta.setdefault("palette", palette)
    if dataset_meta:
        meta["dataset_meta"] = dataset_meta
    return meta


def convert_checkpoint(
    in_file: str,
    out_file: str,
    prefix: str | None = None,
    add: Sequence[tuple[str, str]] = (),
    keep_ema: bool = False,
) -> dict[str, int]:
    """Convert ``in_file`` (and merge the ``add`` parts) into ``out_file``.

    Args:
        in_file: 0.x checkpoint (model, detector or ReID).
        out_file: output file, written atomically.
        prefix: prefix given to ``in_file``'s keys (e.g. ``detector``). Defaults to None.
        add: ``(prefix, file)`` pairs of more checkpoints merged in.
        keep_ema: keep the ``ema_*`` buffers. Defaults to False.

    Returns:
        Counts: ``dict(params=..., dropped_ema=..., added=...)``.

    Raises:
        FileNotFoundError: an input does not exist.
        ValueError: not a checkpoint, or two inputs give the same key.
    """
    dropped = 0

    def load(path: str, part_prefix: str | None) -> tuple[OrderedDict, dict]:
        nonlocal dropped
        state, rest = _state_dict(safe_torch_load(path, map_location="cpu"), path)
        if not keep_ema:  # before prefixing: the buffers are top-level names
            for key in [k for k in state if _EMA_BUFFER.match(k)]:
                del state[key]
                dropped += 1
        return _prefixed(state, part_prefix), rest

    state, rest = load(in_file, prefix)
    added = 0
    for part_prefix, part_file in add:
        part, _ = load(part_file, part_prefix)
        for key, value in part.items():
            if key in state:
                raise ValueError(f"{part_file}: key {key!r} is already given by another input")
            state[key] = value
            added += 1
    for key in TRAINING_KEYS:
        rest.pop(key, None)
    out = dict(rest)
    out["meta"] = convert_meta(rest.get("meta"))
    out["state_dict"] = state
    out_dir = osp.dirname(osp.abspath(out_file))
    os.makedirs(out_dir, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".pth", prefix=".convert.tmp-", dir=out_dir)
    os.close(fd)
    try:
        torch.save(out, tmp)
        os.replace(tmp, out_file)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
    return dict(params=len(state), dropped_ema=dropped, added=added)


def _pair(text: str) -> tuple[str, str]:
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected PREFIX=FILE, got {text!r}")
    prefix, path = text.split("=", 1)
    return prefix, path


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command line of ``mmtrack0x_to_1x.py``."""
    parser = argparse.ArgumentParser(
        prog="mmtrack0x_to_1x.py", description="Convert an MMTracking 0.x checkpoint"
    )
    parser.add_argument("in_file", help="MMTracking 0.x checkpoint")
    parser.add_argument("out_file", help="converted checkpoint")
    parser.add_argument("--prefix", help="prefix of in_file's keys, e.g. detector")
    parser.add_argument(
        "--add",
        type=_pair,
        nargs="+",
        default=[],
        metavar="PREFIX=FILE",
        help="merge more checkpoints under a prefix, e.g. reid=reid.pth",
    )
    parser.add_argument("--keep-ema", action="store_true", help="keep mmcv EMAHook buffers")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the tool; returns the exit code (1 on a bad input)."""
    args = parse_args(argv)
    try:
        counts = convert_checkpoint(
            args.in_file, args.out_file, args.prefix, args.add, args.keep_ema
        )
    except (OSError, ValueError, pickle.UnpicklingError, RuntimeError) as e:
        print(f"mmtrack0x_to_1x.py: error: {e}", file=sys.stderr)
        return 1
    print(
        f"wrote {args.out_file}: {counts['params']} tensors "
        f"({counts['added']} merged, {counts['dropped_ema']} EMA buffers dropped)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
