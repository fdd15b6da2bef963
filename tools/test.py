#!/usr/bin/env python
"""Test (evaluate) a model from a config and an optional checkpoint.

Examples::

    python tools/test.py CONFIG --checkpoint CKPT                 # metrics of test_evaluator
    python tools/test.py CONFIG --checkpoint CKPT --out results.pkl
    python tools/test.py CONFIG --checkpoint CKPT --show-dir vis  # draw predictions
    bash tools/dist_test.sh CONFIG 8 --checkpoint CKPT           # 8 processes

``--checkpoint`` is optional (as in MMTracking 0.x): MOT configs may load their
detector and ReID weights through ``init_cfg`` instead. Checkpoints are loaded
safely (``torch.load(weights_only=True)`` with an exact allow-list). Input errors
print one line; set MMTRACK_DEBUG=1 for the traceback.
"""

from __future__ import annotations

import argparse
import os.path as osp

from mmengine.config import Config

from mmtrack.engine.runner.atomic_dump_results import AtomicDumpResults
from mmtrack.engine.runner.tool_utils import (
    ConfigInputError,
    StrictDictAction,
    ToolArgumentParser,
    build_runner,
    config_errors,
    load_config,
    run_tool,
    set_local_rank_env,
)
from mmtrack.utils import register_all_modules


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line of ``tools/test.py``."""
    parser = ToolArgumentParser(description="Test (and evaluate) a model")
    parser.add_argument("config", help="test config file path")
    parser.add_argument("--checkpoint", help="checkpoint file (optional for some MOT configs)")
    parser.add_argument(
        "--work-dir", help="folder for logs and metrics (default: ./work_dirs/<config name>)"
    )
    parser.add_argument("--out", help="also dump the raw predictions to this .pkl file")
    parser.add_argument("--show", action="store_true", help="display the drawn predictions")
    parser.add_argument(
        "--show-dir",
        help="save drawn predictions under work_dir/<timestamp>/SHOW_DIR",
    )
    parser.add_argument(
        "--wait-time", type=float, default=2.0, help="seconds each shown frame stays up"
    )
    parser.add_argument(
        "--cfg-options",
        nargs="+",
        action=StrictDictAction,
        metavar="KEY=VALUE",
        help="override config entries, e.g. model.tracker.match_iou_thr=0.3",
    )
    parser.add_argument(
        "--launcher",
        choices=["none", "pytorch", "slurm", "mpi"],
        default="none",
        help="job launcher (pytorch = torchrun, used by tools/dist_test.sh)",
    )
    parser.add_argument("--local_rank", "--local-rank", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.out is not None and not args.out.endswith((".pkl", ".pickle")):
        parser.error(f"--out must name a .pkl or .pickle file, got {args.out!r}")
    set_local_rank_env(args.local_rank)
    return args


def trigger_visualization_hook(cfg: Config, args: argparse.Namespace) -> None:
    """Turn on drawing in ``default_hooks.visualization`` for ``--show``/``--show-dir``."""
    hook = cfg.get("default_hooks", {}).get("visualization", None)
    if hook is None:
        raise ConfigInputError(
            f"config {args.config}: --show/--show-dir need "
            "default_hooks.visualization = dict(type='TrackVisualizationHook')"
        )
    hook["draw"] = True
    if args.show:
        hook["show"] = True
        hook["wait_time"] = args.wait_time
    if args.show_dir:
        hook["test_out_dir"] = args.show_dir


def build_cfg(args: argparse.Namespace) -> Config:
    """Load the config and apply the command-line options to it."""
    cfg = load_config(args.config, args.cfg_options)
    missing = [k for k in ("test_dataloader", "test_cfg", "test_evaluator") if not cfg.get(k)]
    if missing:
        raise ConfigInputError(f"config {args.config} cannot test: it has no {', '.join(missing)}")
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get("work_dir", None) is None:
        cfg.work_dir = osp.join("./work_dirs", osp.splitext(osp.basename(args.config))[0])
    if args.checkpoint is not None:
        if "://" not in args.checkpoint and not osp.isfile(args.checkpoint):
            raise ConfigInputError(f"--checkpoint: file not found: {args.checkpoint}")
        cfg.load_from = args.checkpoint
    cfg.resume = False
    if args.show or args.show_dir:
        trigger_visualization_hook(cfg, args)
    return cfg


def main(argv: list[str] | None = None) -> None:
    """Test the config given on the command line."""
    args = parse_args(argv)
    register_all_modules()
    cfg = build_cfg(args)
    with config_errors(cfg, args.config):
        runner = build_runner(cfg)
        if args.out is not None:
            runner.test_evaluator.metrics.append(AtomicDumpResults(out_file_path=args.out))
        runner.test()


if __name__ == "__main__":
    raise SystemExit(run_tool(main))
