#!/usr/bin/env python
"""Train a model from a config.

Examples::

    python tools/train.py configs/mot/bytetrack/bytetrack_yolox_x_8xb4-80e_crowdhuman-mot17halftrain_test-mot17halfval.py
    python tools/train.py CONFIG --work-dir work_dirs/run1 --cfg-options train_cfg.max_epochs=2
    python tools/train.py CONFIG --resume                  # continue from the latest checkpoint
    bash tools/dist_train.sh CONFIG 8                      # 8 processes (GPUs, or CPU with gloo)

Runs on CUDA when present and on CPU otherwise. Input errors (missing file,
malformed --cfg-options, unknown type) print one line; set MMTRACK_DEBUG=1
for the traceback.
"""  # noqa: E501

from __future__ import annotations

import argparse
import logging
import os.path as osp

from mmengine.config import Config
from mmengine.logging import print_log

from mmtrack.engine.runner.dist_utils import uses_accelerator
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
    """Parse the command line of ``tools/train.py``."""
    parser = ToolArgumentParser(description="Train a model (VID/MOT/SOT/VIS/ReID/detector)")
    parser.add_argument("config", help="train config file path")
    parser.add_argument(
        "--work-dir", help="folder for logs and checkpoints (default: ./work_dirs/<config name>)"
    )
    parser.add_argument(
        "--amp",
        action="store_true",
        help="automatic mixed precision: float16 with dynamic loss scaling on CUDA "
        "(AmpOptimWrapper); bfloat16 autocast without loss scaling on CPU (CPUAmpOptimWrapper)",
    )
    parser.add_argument(
        "--auto-scale-lr",
        action="store_true",
        help="scale the learning rate by (processes x batch size) / auto_scale_lr.base_batch_size",
    )
    parser.add_argument(
        "--resume",
        nargs="?",
        type=str,
        const="auto",
        metavar="CHECKPOINT",
        help="resume model, optimizer, scheduler and iteration from CHECKPOINT; without a "
        "value, from the latest checkpoint in the work dir",
    )
    parser.add_argument(
        "--resume-from",
        dest="resume_from",
        metavar="CHECKPOINT",
        help="MMTracking 0.x spelling of --resume CHECKPOINT",
    )
    parser.add_argument(
        "--auto-resume", action="store_true", help="MMTracking 0.x spelling of --resume"
    )
    parser.add_argument(
        "--no-validate", action="store_true", help="do not evaluate checkpoints during training"
    )
    parser.add_argument("--seed", type=int, help="random seed (overrides randomness.seed)")
    parser.add_argument(
        "--deterministic", action="store_true", help="deterministic algorithms (cuDNN, ...)"
    )
    parser.add_argument(
        "--cfg-options",
        nargs="+",
        action=StrictDictAction,
        metavar="KEY=VALUE",
        help="override config entries, e.g. train_cfg.max_epochs=2 "
        "optim_wrapper.optimizer.lr=0.01 'model.backbone.out_indices=(1,2)'",
    )
    parser.add_argument(
        "--launcher",
        choices=["none", "pytorch", "slurm", "mpi"],
        default="none",
        help="job launcher (pytorch = torchrun, used by tools/dist_train.sh)",
    )
    parser.add_argument("--local_rank", "--local-rank", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.resume_from is not None:
        if args.resume is not None:
            parser.error("give only one of --resume and --resume-from")
        args.resume = args.resume_from
    elif args.auto_resume and args.resume is None:
        args.resume = "auto"
    set_local_rank_env(args.local_rank)
    return args


def _use_cpu_amp(cfg: Config) -> None:
    cfg.optim_wrapper.type = "CPUAmpOptimWrapper"
    cfg.optim_wrapper.pop("loss_scale", None)
    cfg.optim_wrapper.pop("use_fsdp", None)
    cfg.optim_wrapper.dtype = "bfloat16"


def apply_amp(cfg: Config, amp_flag: bool) -> None:
    """Set up mixed precision for ``--amp`` (or an ``AmpOptimWrapper`` config) on this device."""
    wrapper_type = cfg.optim_wrapper.get("type", "OptimWrapper")
    if uses_accelerator():
        if not amp_flag:
            return
        if wrapper_type == "AmpOptimWrapper":
            print_log("AMP training is already enabled in your config.", logger="current")
        else:
            cfg.optim_wrapper.type = "AmpOptimWrapper"
            cfg.optim_wrapper.loss_scale = "dynamic"
        return
    if amp_flag or wrapper_type == "AmpOptimWrapper":
        print_log(
            "no CUDA device: mixed precision runs as bfloat16 CPU autocast (CPUAmpOptimWrapper)",
            logger="current",
            level=logging.WARNING,
        )
        _use_cpu_amp(cfg)


def build_cfg(args: argparse.Namespace) -> Config:
    """Load the config and apply the command-line options to it."""
    cfg = load_config(args.config, args.cfg_options)
    missing = [k for k in ("train_dataloader", "train_cfg", "optim_wrapper") if not cfg.get(k)]
    if missing:
        raise ConfigInputError(f"config {args.config} cannot train: it has no {', '.join(missing)}")
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get("work_dir", None) is None:
        cfg.work_dir = osp.join("./work_dirs", osp.splitext(osp.basename(args.config))[0])

    apply_amp(cfg, args.amp)

    if args.auto_scale_lr:
        scale_cfg = cfg.get("auto_scale_lr", None)
        if not scale_cfg or "base_batch_size" not in scale_cfg:
            raise ConfigInputError(
                f"config {args.config}: --auto-scale-lr needs "
                "auto_scale_lr = dict(enable=False, base_batch_size=N) in the config"
            )
        cfg.auto_scale_lr.enable = True

    if args.resume == "auto":
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        if "://" not in args.resume and not osp.isfile(args.resume):
            raise ConfigInputError(f"--resume: checkpoint file not found: {args.resume}")
        cfg.resume = True
        cfg.load_from = args.resume

    if args.no_validate:
        cfg.val_cfg = None
        cfg.val_dataloader = None
        cfg.val_evaluator = None
    if args.seed is not None or args.deterministic:
        randomness = dict(cfg.get("randomness", None) or {})
        if args.seed is not None:
            randomness["seed"] = args.seed
        if args.deterministic:
            randomness["deterministic"] = True
        cfg.randomness = randomness
    return cfg


def main(argv: list[str] | None = None) -> None:
    """Train the config given on the command line."""
    args = parse_args(argv)
    register_all_modules()
    cfg = build_cfg(args)
    with config_errors(cfg, args.config):
        runner = build_runner(cfg)
        runner.train()


if __name__ == "__main__":
    raise SystemExit(run_tool(main))
