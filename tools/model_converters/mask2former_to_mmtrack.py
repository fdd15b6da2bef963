#!/usr/bin/env python
"""Convert a Mask2Former checkpoint to mmtrack's ``Mask2Former`` (VIS) names.

Takes MMTracking 1.x's Mask2Former-VIS checkpoints (``backbone.*``,
``track_head.*``) and MMDetection's COCO Mask2Former checkpoints
(``panoptic_head.*``: the initialisation of MMTracking 1.x's VIS configs,
whose model renamed ``panoptic_head`` to ``track_head`` on loading). The
transformer layers of those checkpoints carry mmcv ``BaseTransformerLayer``
names; mmtrack's carry mmdet 3.x's, so the tool applies
``MASK2FORMER_1X_REVISE_KEYS``:

* ``pixel_decoder.encoder.layers.{i}.attentions.0`` -> ``.self_attn``,
  ``ffns.0`` -> ``ffn``;
* ``transformer_decoder.layers.{i}.attentions.0`` -> ``.cross_attn`` (the
  layers ran cross attention first), ``attentions.1`` -> ``.self_attn``,
  ``ffns.0`` -> ``ffn``.

Checkpoints already under mmdet 3.x names pass through unchanged. The file
is read with ``weights_only`` loading; the optimizer state is dropped and
``meta`` kept. The result loads strictly (``load_checkpoint(model, file)``)
when the class count and sizes match the config; a COCO checkpoint
(81 or 134 classes) initialises a VIS model non-strictly (``load_from=``).

Example::

    python tools/model_converters/mask2former_to_mmtrack.py \\
        mask2former_r50_8xb2-8e_youtubevis2021_20220818_164043-1cab1219.pth \\
        mask2former_r50_youtubevis2021_mmtrack.pth
"""

from __future__ import annotations

import argparse
import os
import os.path as osp
import pickle
import re
import sys
import tempfile
from collections import OrderedDict
from collections.abc import Mapping, Sequence

import torch

from mmtrack.models.layers.mask2former_transformer_encoder import MASK2FORMER_1X_REVISE_KEYS
from mmtrack.utils.checkpoint import safe_torch_load

REQUIRED_KEYS = (
    "backbone.conv1.weight",
    "track_head.pixel_decoder.mask_feature.weight",
    "track_head.query_feat.weight",
    "track_head.cls_embed.weight",
)


def convert_key(key: str) -> str:
    """One key of a 1.x / MMDetection checkpoint -> mmtrack's name."""
    key = re.sub(r"^module\.", "", key)
    key = re.sub(r"^panoptic_head\.", "track_head.", key)
    for pattern, replacement in MASK2FORMER_1X_REVISE_KEYS:
        key = re.sub(pattern, replacement, key)
    return key


def convert_state_dict(state: Mapping, name: str = "checkpoint") -> OrderedDict:
    """Renamed and checked state dict.

    Raises:
        ValueError: a key outside ``backbone.`` / ``track_head.`` (after
            renaming), a non-tensor value, two keys mapping to one name, or
            a missing part of the model (:data:`REQUIRED_KEYS`).
    """
    if not isinstance(state, Mapping) or not state:
        raise ValueError(f"{name}: 'state_dict' is not a non-empty dict")
    out: OrderedDict = OrderedDict()
    for key, value in state.items():
        new = convert_key(str(key))
        if not new.startswith(("backbone.", "track_head.")):
            raise ValueError(
                f"{name}: key {key!r} is not part of a Mask2Former model (expected backbone.*, "
                "track_head.* or panoptic_head.*)"
            )
        if not isinstance(value, torch.Tensor):
            raise ValueError(f"{name}: value of {key!r} is a {type(value).__name__}, not a tensor")
        if new in out:
            raise ValueError(f"{name}: keys map twice to {new!r}")
        out[new] = value
    missing = [k for k in REQUIRED_KEYS if k not in out]
    if missing:
        raise ValueError(f"{name}: not a Mask2Former checkpoint, missing {missing}")
    return out


def convert_checkpoint(in_file: str, out_file: str) -> int:
    """Convert ``in_file`` into ``out_file`` (written atomically); returns the tensor count."""
    if not osp.isfile(in_file):
        raise FileNotFoundError(f"checkpoint file not found: {in_file}")
    ckpt = safe_torch_load(in_file, map_location="cpu")
    if not isinstance(ckpt, dict):
        raise ValueError(f"{in_file}: expected a dict, got {type(ckpt).__name__}")
    state = convert_state_dict(ckpt.get("state_dict", ckpt), in_file)
    meta = dict(ckpt.get("meta") or {}) if isinstance(ckpt.get("meta"), dict) else {}
    meta.update(source=osp.basename(in_file), converter="mask2former_to_mmtrack")
    out_dir = osp.dirname(osp.abspath(out_file))
    os.makedirs(out_dir, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out_dir, suffix=".tmp")
    os.close(fd)
    try:
        torch.save(dict(state_dict=state, meta=meta), tmp)
        os.replace(tmp, out_file)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
    return len(state)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the tool; returns the exit code (1 on a bad input)."""
    parser = argparse.ArgumentParser(
        prog="mask2former_to_mmtrack.py",
        description="Rename a Mask2Former (MMTracking 1.x / MMDetection) checkpoint for mmtrack",
    )
    parser.add_argument("in_file", help="MMTracking 1.x VIS or MMDetection Mask2Former checkpoint")
    parser.add_argument("out_file", help="output checkpoint")
    args = parser.parse_args(argv)
    try:
        count = convert_checkpoint(args.in_file, args.out_file)
    except (OSError, ValueError, pickle.UnpicklingError, RuntimeError) as e:
        print(f"mask2former_to_mmtrack.py: error: {e}", file=sys.stderr)
        return 1
    print(f"wrote {args.out_file}: {count} tensors")
    return 0


if __name__ == "__main__":
    sys.exit(main())
