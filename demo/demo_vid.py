"""Demo of video object detection (VID) on a video file or a folder of frames.

Without a config it runs the shipped offline SELSA model
(``configs/vid/selsa/selsa_faster-rcnn_r18-tiny_fpn_synthetic-degraded.py``
with ``demo/checkpoints/selsa_faster-rcnn_r18-tiny_synthetic-degraded-*.pth``,
trained on the project's synthetic videos: persons, ducks and cats told
apart by shape); give a config (and ``--checkpoint``) for any other VID model.

Example::

    python demo/demo_vid.py --input FRAMES_OR_VIDEO --output out.mp4 --device cpu
    python demo/demo_vid.py CONFIG --checkpoint CKPT --input demo/demo.mp4 \\
        --output out.mp4 --device cpu

See ``python demo/demo_vid.py --help`` and ``demo/README.md``.
"""

from __future__ import annotations

import glob
import os.path as osp
import sys
from collections.abc import Sequence

from mmtrack.apis.demo import demo_main

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
DEFAULT_CONFIG = osp.join(
    ROOT, "configs", "vid", "selsa", "selsa_faster-rcnn_r18-tiny_fpn_synthetic-degraded.py"
)
CKPT_DIR = osp.join(ROOT, "demo", "checkpoints")


def default_checkpoint() -> str:
    """The shipped SELSA checkpoint (``publish_model.py`` names it ``<name>-<sha8>.pth``)."""
    found = sorted(
        glob.glob(osp.join(CKPT_DIR, "selsa_faster-rcnn_r18-tiny_synthetic-degraded-*.pth"))
    )
    if not found:
        raise FileNotFoundError(f"no SELSA demo checkpoint in {CKPT_DIR}")
    return found[-1]


def with_defaults(argv: Sequence[str]) -> list[str]:
    """Put the default config (and its checkpoint) in front when no config is given."""
    argv = list(argv)
    if argv and not argv[0].startswith("-"):
        return argv
    if any(a in ("-h", "--help") for a in argv):
        return [DEFAULT_CONFIG, *argv]
    if not any(a == "--checkpoint" or a.startswith("--checkpoint=") for a in argv):
        argv = ["--checkpoint", default_checkpoint(), *argv]
    return [DEFAULT_CONFIG, *argv]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the demo; returns the exit code (1 on a bad input or output)."""
    argv = sys.argv[1:] if argv is None else argv
    try:
        argv = with_defaults(argv)
    except FileNotFoundError as e:
        print(f"demo_vid.py: error: {e}", file=sys.stderr)
        return 1
    return demo_main("vid", argv)


if __name__ == "__main__":
    sys.exit(main())
