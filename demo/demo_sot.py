"""Demo of single object tracking (SOT) on a video file or a folder of frames.

Example::

    python demo/demo_sot.py CONFIG --input demo/demo.mp4 --output out.mp4 --device cpu

See ``python demo/demo_sot.py --help`` and ``demo/README.md``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from mmtrack.apis.demo import demo_main


def main(argv: Sequence[str] | None = None) -> int:
    """Run the demo; returns the exit code (1 on a bad input or output)."""
    return demo_main("sot", argv)


if __name__ == "__main__":
    sys.exit(main())
