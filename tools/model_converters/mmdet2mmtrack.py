#!/usr/bin/env python
"""Turn a detector checkpoint (MMDetection style, keys ``backbone.*``) into a
MOT/VID/VIS model checkpoint (keys ``detector.backbone.*``).

Class names move from ``meta['CLASSES']`` to ``meta['dataset_meta']`` and
the optimizer state is dropped (see ``mmtrack0x_to_1x.py``).

Example::

    python tools/model_converters/mmdet2mmtrack.py yolox_x_crowdhuman.pth bytetrack_init.pth
"""

from __future__ import annotations

import argparse
import os.path as osp
import pickle
import sys
from collections.abc import Sequence

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from mmtrack0x_to_1x import convert_checkpoint  # noqa: E402


def main(argv: Sequence[str] | None = None) -> int:
    """Run the tool; returns the exit code (1 on a bad input)."""
    parser = argparse.ArgumentParser(
        prog="mmdet2mmtrack.py", description="Prefix a detector checkpoint's keys"
    )
    parser.add_argument("in_file", help="detector checkpoint")
    parser.add_argument("out_file", help="output checkpoint")
    parser.add_argument("--prefix", default="detector", help="key prefix (default: detector)")
    args = parser.parse_args(argv)
    try:
        counts = convert_checkpoint(args.in_file, args.out_file, prefix=args.prefix)
    except (OSError, ValueError, pickle.UnpicklingError, RuntimeError) as e:
        print(f"mmdet2mmtrack.py: error: {e}", file=sys.stderr)
        return 1
    print(f"wrote {args.out_file}: {counts['params']} tensors under '{args.prefix}.'")
    return 0


if __name__ == "__main__":
    sys.exit(main())
