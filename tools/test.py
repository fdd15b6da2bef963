#!/usr/bin/env python
"""Test (evaluate) a model from a config and an optional checkpoint.

Examples::

    python tools/test.py CONFIG --checkpoint CKPT                 # metrics of test_evaluator
    python tools/test.py CONFIG --checkpoint CKPT --out results.pkl
    python tools/test.py CONFIG --checkpoint CKPT --show-dir vis  # draw predictions
    bash tools/dist_test.sh CONFIG 8 --checkpoint CKPT           # 8 processes

MMTracking 0.x's evaluation flags work too::

    python tools/test.py MOT_CONFIG --eval track                  # MOTChallengeMetric
    python tools/test.py VID_CONFIG --checkpoint CKPT --eval bbox  # CocoVideoMetric
    python tools/test.py VIS_CONFIG --checkpoint CKPT --format-only \
        --eval-options resfile_path=results                       # submission files only

MMTracking 0.14's ``--fuse-conv-bn`` (BatchNorm folded into the convolutions
after loading), ``--show-score-thr`` (the visualization hook's ``score_thr``),
``--gpu-collect`` and ``--tmpdir`` (the metrics' ``collect_device='gpu'`` and
``collect_dir``, their mmengine meaning) are accepted as well.

Speed switches (``mmtrack.utils.inference_switches``, the same code as
``benchmark.py --switches`` and ``init_model(..., switches=...)``)::

    python tools/test.py CONFIG --checkpoint CKPT --channels-last
    python tools/test.py CONFIG --checkpoint CKPT --amp bf16     # CPU or CUDA autocast
    python tools/test.py CONFIG --checkpoint CKPT --amp fp16     # CUDA (the CPU works, slowly)
    python tools/test.py CONFIG --checkpoint CKPT --compile      # torch.compile backbone+neck

With any of them the test step runs under ``torch.inference_mode``.

``--eval`` keeps the config's ``test_evaluator`` metrics that give the named
kinds (``track``: MOTChallengeMetric / SOTMetric; ``bbox`` / ``segm``:
CocoVideoMetric; ``track_segm``: YouTubeVISMetric; ``mAP`` / ``CMC``:
ReIDMetrics); ``--eval-options`` are keyword arguments of those metrics
(``resfile_path`` is 0.x's name of ``outfile_prefix``); ``--format-only``
writes the official result files without evaluating.

``--checkpoint`` is optional (as in MMTracking 0.x): MOT configs may load their
detector and ReID weights through ``init_cfg`` instead. Checkpoints are loaded
safely (``torch.load(weights_only=True)`` with an exact allow-list) and
strictly: a missing or unexpected key or a tensor of another shape stops the
test with one error listing them all. Input errors
print one line; set MMTRACK_DEBUG=1 for the traceback.
"""

from __future__ import annotations

import argparse
import functools
import inspect
import os.path as osp
import warnings
from typing import Any

from mmengine.config import Config
from mmengine.hooks import Hook

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
from mmtrack.registry import METRICS
from mmtrack.utils import register_all_modules
from mmtrack.utils.checkpoint import CheckpointMismatchError
from mmtrack.utils.inference_switches import InferenceSwitches

#: MMTracking 0.x ``--eval`` names -> (metric type, value of its ``metric`` argument or None).
EVAL_KINDS: dict[str, dict[str, str | None]] = {
    "track": {"MOTChallengeMetric": None, "SOTMetric": None},
    "bbox": {"CocoVideoMetric": "bbox"},
    "segm": {"CocoVideoMetric": "segm"},
    "track_segm": {"YouTubeVISMetric": None},
    "mAP": {"ReIDMetrics": "mAP"},
    "CMC": {"ReIDMetrics": "CMC"},
}


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
        "--show-score-thr",
        type=float,
        default=None,
        help="draw only predictions scoring above this (TrackVisualizationHook.score_thr, "
        "default 0.3)",
    )
    InferenceSwitches.add_arguments(parser)
    parser.add_argument(
        "--gpu-collect",
        action="store_true",
        help="gather the ranks' predictions through torch.distributed instead of files "
        "(the metrics' collect_device='gpu')",
    )
    parser.add_argument(
        "--tmpdir",
        help="folder where the ranks' predictions are gathered when collecting on the CPU "
        "(the metrics' collect_dir)",
    )
    parser.add_argument(
        "--eval",
        nargs="+",
        choices=sorted(EVAL_KINDS),
        help="MMTracking 0.x: evaluate only these kinds (e.g. track, bbox)",
    )
    parser.add_argument(
        "--format-only",
        action="store_true",
        help="write the official result files (outfile_prefix / resfile_path) without evaluating",
    )
    parser.add_argument(
        "--eval-options",
        nargs="+",
        action=StrictDictAction,
        metavar="KEY=VALUE",
        help="keyword arguments of the evaluation metrics, e.g. resfile_path=results",
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
    if args.show_score_thr is not None and not 0.0 <= args.show_score_thr <= 1.0:
        parser.error(f"--show-score-thr must be in [0, 1], got {args.show_score_thr}")
    if args.gpu_collect and args.tmpdir is not None:
        warnings.warn(
            "--tmpdir is used only when collecting on the CPU; with --gpu-collect it is "
            "ignored (as in MMTracking 0.x)",
            UserWarning,
            stacklevel=2,
        )
        args.tmpdir = None
    try:
        args.switches = InferenceSwitches.from_args(args)
    except ValueError as err:
        parser.error(str(err))
    set_local_rank_env(args.local_rank)
    return args


class InferenceSwitchesHook(Hook):
    """``--fuse-conv-bn/--channels-last/--amp/--compile``: applied once the weights are loaded.

    It runs at ``before_test_epoch`` with the lowest priority, i.e. after the
    checkpoint is loaded and after an ``EMAHook`` has put the averaged weights
    into the model; with fusion, that hook's swap back after the test is then
    skipped (the fused model no longer has the averaged model's parameters
    one for one). The test step then runs under ``torch.inference_mode``.

    Args:
        switches: the switches to apply.
    """

    priority = "LOWEST"

    def __init__(self, switches: InferenceSwitches) -> None:
        self.switches = switches

    def before_test_epoch(self, runner: Any) -> None:
        """Apply the switches to the (unwrapped) model and log what they did."""
        from mmengine.hooks import EMAHook
        from mmengine.model import is_model_wrapper
        from torch import nn

        model = runner.model.module if is_model_wrapper(runner.model) else runner.model

        def count() -> int:
            return sum(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in model.modules())

        before = count()
        try:
            self.switches.apply(model)
        except ValueError as err:
            raise ConfigInputError(str(err)) from None
        if self.switches.fuse_conv_bn:
            for hook in runner.hooks:
                if isinstance(hook, EMAHook):
                    hook._swap_ema_parameters = lambda: None
            runner.logger.info(
                f"--fuse-conv-bn: folded {before - count()} of {before} BatchNorm layers "
                "into their convolutions"
            )
        runner.logger.info(f"test-time switches: {self.switches.describe()} (inference_mode)")


def apply_collect_args(runner: Any, args: argparse.Namespace) -> None:
    """``--gpu-collect`` / ``--tmpdir``: how the test metrics gather the ranks' results."""
    for metric in runner.test_evaluator.metrics:
        if args.gpu_collect:
            metric.collect_device = "gpu"
        if args.tmpdir is not None:
            metric.collect_dir = args.tmpdir


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


def _evaluator_metrics(cfg: Config, config_path: str) -> list:
    """The metric configs of ``cfg.test_evaluator`` (a dict, a list, or an Evaluator dict)."""
    evaluator = cfg.test_evaluator
    if isinstance(evaluator, dict) and "metrics" in evaluator:
        evaluator = evaluator["metrics"]
    metrics = list(evaluator) if isinstance(evaluator, (list, tuple)) else [evaluator]
    for m in metrics:
        if not isinstance(m, dict) or "type" not in m:
            raise ConfigInputError(f"config {config_path}: test_evaluator entry {m!r} has no type")
    return metrics


def apply_eval_args(cfg: Config, args: argparse.Namespace) -> None:
    """Apply MMTracking 0.x's ``--eval``, ``--eval-options`` and ``--format-only``.

    Raises:
        ConfigInputError: a requested kind no metric of the config gives, an
            option a kept metric does not take, or ``--format-only`` without
            an output prefix.
    """
    if not (args.eval or args.eval_options or args.format_only):
        return
    metrics = _evaluator_metrics(cfg, args.config)
    types = [m["type"] for m in metrics]
    if args.eval:
        kept = []
        for m in metrics:
            wanted = [
                EVAL_KINDS[k][m["type"]] for k in args.eval if m["type"] in EVAL_KINDS[k]
            ]
            if not wanted:
                continue
            values = [w for w in wanted if w is not None]
            if values:  # metrics with selectable outputs compute only the requested ones
                m = dict(m, metric=values if len(values) > 1 else values[0])
            kept.append(m)
        served = {k for k in args.eval for m in kept if m["type"] in EVAL_KINDS[k]}
        missing = [k for k in args.eval if k not in served]
        if missing:
            raise ConfigInputError(
                f"config {args.config}: --eval {' '.join(missing)}: its test_evaluator has "
                f"{types}, none of which gives {missing}"
            )
        metrics = kept
    options = dict(args.eval_options or {})
    if "resfile_path" in options:
        options["outfile_prefix"] = options.pop("resfile_path")
    if args.format_only:
        options["format_only"] = True
    for i, m in enumerate(metrics):
        metric_cls = METRICS.get(m["type"])
        accepted = set(inspect.signature(metric_cls.__init__).parameters) - {"self"}
        unknown = sorted(set(options) - accepted)
        if unknown:
            raise ConfigInputError(
                f"config {args.config}: --eval-options/--format-only: {m['type']} takes no "
                f"{unknown}; it takes {sorted(accepted - {'args', 'kwargs'})}"
            )
        m = dict(m, **options)
        if m.get("format_only") and not m.get("outfile_prefix"):
            raise ConfigInputError(
                f"config {args.config}: --format-only needs where to write the files: "
                "--eval-options resfile_path=DIR (or outfile_prefix=DIR)"
            )
        if args.format_only:
            # Fail before the model runs: the metric checks its output options
            # (e.g. SOTMetric: a server format and a writable outfile_prefix).
            try:
                METRICS.build(m)
            except (ValueError, KeyError) as err:
                message = str(err.args[0] if err.args else err)
                if not message.startswith(m["type"]):
                    message = f"{m['type']}: {message}"
                raise ConfigInputError(f"config {args.config}: --format-only: {message}") from err
        metrics[i] = m
    cfg.test_evaluator = metrics if len(metrics) > 1 else metrics[0]


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
    if args.show_score_thr is not None:
        hook = cfg.get("default_hooks", {}).get("visualization", None)
        if hook is None:
            raise ConfigInputError(
                f"config {args.config}: --show-score-thr needs "
                "default_hooks.visualization = dict(type='TrackVisualizationHook')"
            )
        hook["score_thr"] = args.show_score_thr
    apply_eval_args(cfg, args)
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
        # --checkpoint loads strictly: a model with missing or reshaped weights is
        # not tested (training's load_from stays lenient for fine-tuning).
        runner.load_checkpoint = functools.partial(runner.load_checkpoint, strict=True)
        apply_collect_args(runner, args)
        switches = args.switches
        if switches.enabled:
            runner.register_hook(InferenceSwitchesHook(switches))
        try:
            runner.test()
        except CheckpointMismatchError as err:
            raise ConfigInputError(f"--checkpoint {args.checkpoint}: {err}") from err


if __name__ == "__main__":
    raise SystemExit(run_tool(main))
