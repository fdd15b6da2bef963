#!/usr/bin/env python
"""Tracking speed (frames per second) of single object trackers, side by side.

Each config's model (random weights: ``init_cfg=Pretrained`` is dropped, speed
does not depend on the values) tracks a synthetic video through
:func:`mmtrack.apis.inference_sot` -- test pipeline, data preprocessor, crop,
network and box decoding -- on the same frames, device and thread count. Frame
0 (initialisation) and ``--warmup`` frames are not timed. The first config is
the reference: every other one is printed with its speed ratio to it, so e.g.
OSTrack-256 is timed next to SiamRPN++ in one run.

Example::

    OMP_NUM_THREADS=4 python tools/analysis_tools/benchmark_sot.py \\
        configs/sot/siamese_rpn/siamese-rpn_r50_8xb28-20e_imagenetvid-imagenetdet-coco_test-lasot.py \\
        configs/sot/ostrack/ostrack_vitb_256_mae_ce_4xb32-300e_got10k-lasot-trackingnet-coco_test-lasot.py \\
        --frames 30 --threads 4

STARK-ST1 and STARK-ST2 next to SiamRPN++ (the rows of ``docs/en/model_zoo.md``)::

    python tools/analysis_tools/benchmark_sot.py \\
        configs/sot/siamese_rpn/siamese_rpn_r50_20e_lasot.py \\
        configs/sot/stark/stark_st1_r50_500e_lasot.py \\
        configs/sot/stark/stark_st2_r50_50e_lasot.py --frames 12 --warmup 1

MixFormer next to STARK-ST2::

    python tools/analysis_tools/benchmark_sot.py \\
        configs/sot/stark/stark_st2_r50_50e_lasot.py \\
        configs/sot/mixformer/mixformer_cvt_500e_lasot.py --frames 30

PrDiMP-50 next to SiamRPN++::

    python tools/analysis_tools/benchmark_sot.py \\
        configs/sot/siamese_rpn/siamese_rpn_r50_20e_lasot.py \\
        configs/sot/prdimp/prdimp_r50_8xb10-50e_got10k-lasot-trackingnet-coco_test-lasot.py \\
        --frames 8 --warmup 1
"""  # noqa: E501

from __future__ import annotations

import argparse
import copy
import logging
import os.path as osp
import statistics
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


def synthetic_video(num_frames: int, height: int, width: int, seed: int) -> list[np.ndarray]:
    """A bright square drifting right over noise, ``(H, W, 3)`` uint8 BGR frames."""
    rng = np.random.default_rng(seed)
    frames = []
    for i in range(num_frames):
        img = rng.integers(0, 80, (height, width, 3), dtype=np.uint8)
        x = int(width * 0.3 + 2 * i) % (width - 60)
        img[height // 2 - 30 : height // 2 + 30, x : x + 60] = 220
        frames.append(img)
    return frames


def time_config(
    config: str, frames: list[np.ndarray], warmup: int, device: str
) -> tuple[float, str]:
    """Median seconds per tracked frame of one config, and the model's type."""
    from mmtrack.apis import inference_sot, init_model

    cfg = load_config(config)
    _strip_pretrained(cfg._cfg_dict)
    model = init_model(copy.deepcopy(cfg), None, device=device)
    height, width = frames[0].shape[:2]
    x = int(width * 0.3)
    init = np.array([x, height // 2 - 30, x + 60, height // 2 + 30], dtype=np.float32)
    times = []
    with torch.no_grad():
        for i, frame in enumerate(frames):
            start = time.perf_counter()
            inference_sot(model, frame, init, frame_id=i)
            if device.startswith("cuda"):
                torch.cuda.synchronize()
            if i > warmup:
                times.append(time.perf_counter() - start)
    return statistics.median(times), type(model).__name__


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = ToolArgumentParser(description="Frames per second of SOT models, side by side")
    parser.add_argument("configs", nargs="+", help="SOT configs; the first is the reference")
    parser.add_argument("--frames", type=int, default=20, help="frames per video (default 20)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed frames after frame 0")
    parser.add_argument(
        "--shape", type=int, nargs=2, default=[360, 640], metavar=("H", "W"), help="frame size"
    )
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    parser.add_argument("--device", default="cpu", help="cpu or cuda (default cpu)")
    parser.add_argument("--seed", type=int, default=0, help="seed of weights and frames")
    args = parser.parse_args(argv)
    if args.frames < args.warmup + 3:
        raise ConfigInputError(f"--frames must be at least --warmup + 3, got {args.frames}")
    if args.threads < 1 or min(args.shape) < 64:
        raise ConfigInputError("--threads must be >= 1 and --shape at least 64 x 64")
    return args


def main(argv: Sequence[str] | None = None) -> list[dict]:
    """Time every config; print and return ``[{config, model, fps, ratio}]``."""
    args = parse_args(argv)
    MMLogger.get_current_instance().setLevel(logging.WARNING)
    torch.set_num_threads(args.threads)
    frames = synthetic_video(args.frames, args.shape[0], args.shape[1], args.seed)
    rows = []
    for config in args.configs:
        torch.manual_seed(args.seed)
        seconds, name = time_config(config, frames, args.warmup, args.device)
        rows.append(dict(config=osp.basename(config), model=name, fps=1.0 / seconds))
    ref = rows[0]["fps"]
    print(
        f"SOT tracking speed, {args.shape[0]}x{args.shape[1]} frames, device {args.device}, "
        f"{args.threads} thread(s), median of {args.frames - args.warmup - 1} frames"
    )
    for row in rows:
        row["ratio"] = row["fps"] / ref
        print(
            f"{row['model']:>10s} {row['fps']:8.2f} frames/s  x{row['ratio']:.2f}  {row['config']}"
        )
    return rows


if __name__ == "__main__":
    sys.exit(run_tool(main))
