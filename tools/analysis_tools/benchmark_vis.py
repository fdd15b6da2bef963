#!/usr/bin/env python
"""Test-step speed (frames per second) of Mask2Former-VIS next to MaskTrack R-CNN.

Both models (random weights: ``init_cfg=Pretrained`` is dropped, speed does not
depend on the values) segment and track the same synthetic video frame by
frame through :func:`mmtrack.apis.inference_mot` -- test pipeline, data
preprocessor, network, mask decoding at the original resolution and (MaskTrack
R-CNN) the tracker -- on the same frames, device and thread count, the
models taking turns frame by frame. Speeds are the median over the frames
after ``--warmup``, printed with their ratio to MaskTrack R-CNN.

``--widths tiny`` times the CPU-sized synthetic configs (quarter-width R-18),
``--widths full`` the R-50 YouTube-VIS 2019 configs (MaskTrack R-CNN as
MMTracking 0.14, Mask2Former as MMTracking 1.x: 100 queries, 9 decoder layers,
6 deformable encoder layers).

Example::

    OMP_NUM_THREADS=1 python tools/analysis_tools/benchmark_vis.py --widths full \\
        --frames 8 --shape 192 256
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
from benchmark_vid import synthetic_video  # noqa: E402

from mmtrack.engine.runner.tool_utils import (  # noqa: E402
    ConfigInputError,
    ToolArgumentParser,
    load_config,
    run_tool,
)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
_VIS = osp.join(ROOT, "configs", "vis")
#: ``{widths: [(method, config)]}``; the first entry is the reference.
METHODS = {
    "tiny": [
        (
            "MaskTrack R-CNN",
            osp.join(_VIS, "masktrack_rcnn", "masktrack_rcnn_r18-tiny_fpn_synthetic.py"),
        ),
        ("Mask2Former", osp.join(_VIS, "mask2former", "mask2former_r18-tiny_synthetic.py")),
    ],
    "full": [
        (
            "MaskTrack R-CNN",
            osp.join(_VIS, "masktrack_rcnn", "masktrack_rcnn_r50_fpn_12e_youtubevis2019.py"),
        ),
        (
            "Mask2Former",
            osp.join(_VIS, "mask2former", "mask2former_r50_8xb2-8e_youtubevis2019.py"),
        ),
    ],
}


def build(config: str, device: str = "cpu") -> torch.nn.Module:
    """The config's model with random weights (``init_cfg=Pretrained`` dropped)."""
    from mmtrack.apis import init_model

    cfg = load_config(config)
    _strip_pretrained(cfg._cfg_dict)
    return init_model(copy.deepcopy(cfg), None, device=device)


def time_methods(
    models: list[torch.nn.Module], frames: list[np.ndarray], warmup: int, device: str = "cpu"
) -> tuple[list[float], list[int]]:
    """Median seconds per frame of each model after ``warmup`` frames, interleaved.

    Frame ``i`` goes through every model before frame ``i + 1``, so that a
    change of the machine's load hits all of them alike.

    Args:
        models: models from :func:`build`.
        frames: ``(H, W, 3)`` uint8 BGR frames of one video.
        warmup: untimed first frames.
        device: ``'cpu'`` or a CUDA device (synchronised around each frame).

    Returns:
        Seconds per frame of each model, and for each the number of
        instances of the last frame with masks of the frame's size.
    """
    from mmtrack.apis import inference_mot

    cuda = device.startswith("cuda")
    times: list[list[float]] = [[] for _ in models]
    results = [None] * len(models)
    with torch.no_grad():
        for i, frame in enumerate(frames):
            for k, model in enumerate(models):
                if cuda:
                    torch.cuda.synchronize()
                start = time.perf_counter()
                results[k] = inference_mot(model, frame, frame_id=i, video_len=len(frames))
                if cuda:
                    torch.cuda.synchronize()
                if i >= warmup:
                    times[k].append(time.perf_counter() - start)
    masks = []
    for result in results:
        pred = result[0].pred_track_instances
        ok = "masks" in pred and tuple(pred.masks.shape[-2:]) == frames[-1].shape[:2]
        masks.append(len(pred) if ok else 0)
    return [float(np.median(t)) for t in times], masks


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = ToolArgumentParser(description="Frames per second of Mask2Former vs MaskTrack R-CNN")
    parser.add_argument(
        "--widths", choices=sorted(METHODS), default="tiny", help="tiny or full (default tiny)"
    )
    parser.add_argument("--frames", type=int, default=10, help="frames of the video (default 10)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed first frames (default 2)")
    parser.add_argument(
        "--shape", type=int, nargs=2, default=[192, 256], metavar=("H", "W"), help="frame size"
    )
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    parser.add_argument("--seed", type=int, default=0, help="seed of weights and frames")
    parser.add_argument("--device", default="cpu", help="cpu (default) or cuda[:N]")
    args = parser.parse_args(argv)
    if args.warmup < 1 or args.frames < args.warmup + 1:
        raise ConfigInputError(
            f"--warmup must be >= 1 and --frames at least --warmup + 1, got {args.warmup} "
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
    """Time both methods; print and return ``[{method, model, fps, ratio, config}]``."""
    args = parse_args(argv)
    MMLogger.get_current_instance().setLevel(logging.WARNING)
    torch.set_num_threads(args.threads)
    frames = synthetic_video(args.frames, args.shape[0], args.shape[1], args.seed)
    models = []
    for _, config in METHODS[args.widths]:
        torch.manual_seed(args.seed)
        models.append(build(config, args.device))
    seconds, masks = time_methods(models, frames, args.warmup, args.device)
    rows = [
        dict(method=method, model=type(model).__name__, fps=1.0 / sec, masks=num, config=config)
        for (method, config), model, sec, num in zip(METHODS[args.widths], models, seconds, masks)
    ]
    ref = rows[0]["fps"]
    print(
        f"VIS test-step speed ({args.widths} widths), {args.shape[0]}x{args.shape[1]} frames, "
        f"{args.device}, {args.threads} thread(s), median of {args.frames - args.warmup} frames"
    )
    for row in rows:
        row["ratio"] = row["fps"] / ref
        print(
            f"{row['method']:>16s} {row['fps']:8.2f} frames/s  x{row['ratio']:.2f}  "
            f"{osp.basename(row['config'])}"
        )
    return rows


if __name__ == "__main__":
    sys.exit(run_tool(main))
