#!/usr/bin/env python
"""Test-step speed (frames per second) of the VID methods next to the single-frame detector.

Every method's model (random weights: ``init_cfg=Pretrained`` is dropped,
speed does not depend on the values) detects the same synthetic video through
:func:`mmtrack.apis.inference_vid` -- test pipeline, data preprocessor,
network, reference memory (SELSA/TRoI: 10 copies of frame 0, then one new
reference every 2nd frame; FGFA: its ring buffer; DFF: backbone on key frames,
flow in between) and box decoding -- on the same frames, device and thread
count. The single-frame detector is the DFF config's Faster R-CNN run on every
frame (``key_frame_interval=1``: no flow, no reference): same backbone, neck,
RPN and box head as the others. Speeds are the mean over the frames after
``--warmup`` (means, not medians: DFF and SELSA alternate cheap and costly
frames), printed with their ratio to the single-frame detector.

``--widths tiny`` times the CPU-sized synthetic configs (quarter-width
R-18-FPN), ``--widths full`` MMTracking 0.14's R-50-DC5 ImageNet VID configs.

Example::

    OMP_NUM_THREADS=1 python tools/analysis_tools/benchmark_vid.py --widths tiny \\
        --frames 22 --shape 192 256
"""

from __future__ import annotations

import argparse
import copy
import logging
import os.path as osp
import sys
import time
from collections.abc import Sequence

import numpy as np
import torch
from mmengine.logging import MMLogger

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from benchmark import _strip_pretrained  # noqa: E402

from mmtrack.engine.runner.tool_utils import (  # noqa: E402
    ConfigInputError,
    ToolArgumentParser,
    load_config,
    run_tool,
)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
_VID = osp.join(ROOT, "configs", "vid")
#: ``{widths: [(method, config)]}``; the first entry is the single-frame detector.
METHODS = {
    "tiny": [
        ("Faster R-CNN", osp.join(_VID, "dff", "dff_faster-rcnn_r18-tiny_fpn_synthetic.py")),
        ("DFF", osp.join(_VID, "dff", "dff_faster-rcnn_r18-tiny_fpn_synthetic.py")),
        ("FGFA", osp.join(_VID, "fgfa", "fgfa_faster-rcnn_r18-tiny_fpn_synthetic.py")),
        ("SELSA", osp.join(_VID, "selsa", "selsa_faster-rcnn_r18-tiny_fpn_synthetic.py")),
        (
            "TRoI",
            osp.join(
                _VID,
                "temporal_roi_align",
                "selsa_troialign_faster-rcnn_r18-tiny_fpn_synthetic.py",
            ),
        ),
    ],
    "full": [
        ("Faster R-CNN", osp.join(_VID, "dff", "dff_faster_rcnn_r50_dc5_1x_imagenetvid.py")),
        ("DFF", osp.join(_VID, "dff", "dff_faster_rcnn_r50_dc5_1x_imagenetvid.py")),
        ("FGFA", osp.join(_VID, "fgfa", "fgfa_faster_rcnn_r50_dc5_1x_imagenetvid.py")),
        ("SELSA", osp.join(_VID, "selsa", "selsa_faster_rcnn_r50_dc5_1x_imagenetvid.py")),
        (
            "TRoI",
            osp.join(
                _VID, "temporal_roi_align", "selsa_troialign_faster_rcnn_r50_dc5_7e_imagenetvid.py"
            ),
        ),
    ],
}


def synthetic_video(num_frames: int, height: int, width: int, seed: int) -> list[np.ndarray]:
    """Two bright rectangles drifting over noise, ``(H, W, 3)`` uint8 BGR frames."""
    rng = np.random.default_rng(seed)
    frames = []
    for i in range(num_frames):
        img = rng.integers(0, 80, (height, width, 3), dtype=np.uint8)
        x = int(width * 0.2 + 2 * i) % (width // 2)
        img[height // 4 : height // 2, x : x + width // 6] = 220
        img[height // 2 : 3 * height // 4, width - x - width // 5 : width - x] = 160
        frames.append(img)
    return frames


def time_method(
    method: str, config: str, frames: list[np.ndarray], warmup: int, device: str = "cpu"
) -> tuple[float, str, str]:
    """Mean seconds per frame after ``warmup`` frames, the model's type and a note.

    DFF's note says how many of the timed frames were key frames: its mean
    is only its steady-state speed when the timed frames span whole
    key-frame intervals (e.g. ``--warmup 1 --frames 11`` for interval 10).

    Args:
        method: row name; ``'Faster R-CNN'`` runs the DFF config with
            ``key_frame_interval=1`` (every frame a key frame: the detector alone).
        config: config path.
        frames: ``(H, W, 3)`` uint8 BGR frames of one video.
        warmup: untimed first frames.
        device: ``'cpu'`` or a CUDA device (synchronised around each frame).
    """
    from mmtrack.apis import inference_vid, init_model

    cfg = load_config(config)
    _strip_pretrained(cfg._cfg_dict)
    if method == "Faster R-CNN":
        cfg.model.test_cfg = dict(key_frame_interval=1)
    model = init_model(copy.deepcopy(cfg), None, device=device)
    cuda = device.startswith("cuda")
    times = []
    with torch.no_grad():
        for i, frame in enumerate(frames):
            if cuda:
                torch.cuda.synchronize()
            start = time.perf_counter()
            inference_vid(model, frame, frame_id=i)
            if cuda:
                torch.cuda.synchronize()
            if i >= warmup:
                times.append(time.perf_counter() - start)
    note = ""
    interval = getattr(model, "key_frame_interval", None)
    if interval is not None and method != "Faster R-CNN":
        keys = sum(1 for i in range(warmup, len(frames)) if i % interval == 0)
        note = f"  ({keys} of {len(frames) - warmup} timed frames are key frames, 1 in {interval})"
    return float(np.mean(times)), type(model).__name__, note


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = ToolArgumentParser(description="Frames per second of DFF/FGFA/SELSA/TRoI")
    parser.add_argument(
        "--widths", choices=sorted(METHODS), default="tiny", help="tiny or full (default tiny)"
    )
    parser.add_argument("--frames", type=int, default=22, help="frames of the video (default 22)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed first frames (default 2)")
    parser.add_argument(
        "--shape", type=int, nargs=2, default=[192, 256], metavar=("H", "W"), help="frame size"
    )
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    parser.add_argument("--seed", type=int, default=0, help="seed of weights and frames")
    parser.add_argument("--device", default="cpu", help="cpu (default) or cuda[:N]")
    parser.add_argument(
        "--methods",
        nargs="+",
        choices=["DFF", "FGFA", "SELSA", "TRoI"],
        default=None,
        help="time only these (the single-frame detector is always timed first)",
    )
    args = parser.parse_args(argv)
    if args.warmup < 1 or args.frames < args.warmup + 2:
        raise ConfigInputError(
            f"--warmup must be >= 1 and --frames at least --warmup + 2, got {args.warmup} "
            f"and {args.frames}"
        )
    if args.threads < 1 or min(args.shape) < 64:
        raise ConfigInputError(
            f"--threads must be >= 1 and --shape at least 64 x 64, got {args.threads} and "
            f"{args.shape[0]} x {args.shape[1]}"
        )
    if args.device != "cpu" and not (args.device.startswith("cuda") and torch.cuda.is_available()):
        raise ConfigInputError(f"--device {args.device!r}: only cpu or an available cuda device")
    return args


def main(argv: Sequence[str] | None = None) -> list[dict]:
    """Time every method; print and return ``[{method, model, fps, ratio}]``."""
    args = parse_args(argv)
    MMLogger.get_current_instance().setLevel(logging.WARNING)
    torch.set_num_threads(args.threads)
    frames = synthetic_video(args.frames, args.shape[0], args.shape[1], args.seed)
    print(
        f"VID test-step speed ({args.widths} widths), {args.shape[0]}x{args.shape[1]} frames, "
        f"{args.device}, {args.threads} thread(s), mean of {args.frames - args.warmup} frames",
        flush=True,
    )
    rows = []
    for method, config in METHODS[args.widths]:
        if args.methods and method != "Faster R-CNN" and method not in args.methods:
            continue
        torch.manual_seed(args.seed)
        seconds, name, note = time_method(method, config, frames, args.warmup, args.device)
        fps = 1.0 / seconds
        # the single-frame detector comes first: each row prints as soon as it is timed
        ratio = fps / (rows[0]["fps"] if rows else fps)
        rows.append(dict(method=method, model=name, fps=fps, ratio=ratio, config=config, note=note))
        print(
            f"{method:>12s} {fps:8.2f} frames/s  x{ratio:.2f}  {osp.basename(config)}{note}",
            flush=True,
        )
    return rows


if __name__ == "__main__":
    sys.exit(run_tool(main))
