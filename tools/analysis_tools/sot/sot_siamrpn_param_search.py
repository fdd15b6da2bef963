#!/usr/bin/env python
"""Grid search of SiamRPN++'s test-time parameters (MMTracking's ``sot_siamrpn_param_search.py``).

Every combination of ``penalty_k``, ``lr`` and ``window_influence`` (ranges
``start,stop,step`` as ``np.arange``, stop excluded) runs the config's test
set (``tools/test.py`` machinery: the runner is built and the checkpoint
loaded once) and reads the evaluator's metrics. Every combination is printed,
the best by ``--metric`` (``success`` for OPE, ``eao`` for VOT) last. Search
on a validation set, not on the test set you report.

Example (MMTracking's UAV123 ranges)::

    python tools/analysis_tools/sot/sot_siamrpn_param_search.py \\
        configs/sot/siamese_rpn/siamese_rpn_r50_20e_uav123.py --checkpoint CKPT \\
        --penalty-k-range 0.01,0.22,0.05 --lr-range 0.4,0.61,0.05 \\
        --win-influ-range 0.01,0.22,0.05
"""

from __future__ import annotations

import argparse
import itertools
import logging
import sys
from collections.abc import Sequence

import numpy as np
from mmengine.logging import MMLogger

from mmtrack.engine.runner.tool_utils import (
    ConfigInputError,
    StrictDictAction,
    ToolArgumentParser,
    build_runner,
    load_config,
    run_tool,
)


def parse_range(text: str, flag: str) -> list[float]:
    """``'start,stop,step'`` -> ``np.arange(start, stop, step)`` values (rounded to 1e-6)."""
    try:
        start, stop, step = (float(v) for v in text.split(","))
    except ValueError as err:
        raise ConfigInputError(
            f"{flag}: expected start,stop,step (e.g. 0.01,0.22,0.05), got {text!r}"
        ) from err
    if step <= 0 or stop <= start:
        raise ConfigInputError(f"{flag}: needs step > 0 and stop > start, got {text!r}")
    return [round(float(v), 6) for v in np.arange(start, stop, step)]


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = ToolArgumentParser(description="Grid search of SiamRPN++ test-time parameters")
    parser.add_argument("config", help="SiamRPN++ test config")
    parser.add_argument("--checkpoint", help="checkpoint file")
    parser.add_argument("--work-dir", default="work_dirs/sot_siamrpn_param_search")
    parser.add_argument("--penalty-k-range", default="0.01,0.22,0.05", help="start,stop,step")
    parser.add_argument("--lr-range", default="0.4,0.61,0.05", help="start,stop,step")
    parser.add_argument("--win-influ-range", default="0.01,0.22,0.05", help="start,stop,step")
    parser.add_argument("--metric", help="metric that picks the best (default: success / eao)")
    parser.add_argument("--cfg-options", nargs="+", action=StrictDictAction, help="overrides")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> list[dict]:
    """Run the search; returns ``[{penalty_k, lr, window_influence, metrics}]``."""
    args = parse_args(argv)
    grid = list(
        itertools.product(
            parse_range(args.penalty_k_range, "--penalty-k-range"),
            parse_range(args.lr_range, "--lr-range"),
            parse_range(args.win_influ_range, "--win-influ-range"),
        )
    )
    from mmtrack.utils import register_all_modules

    register_all_modules()
    cfg = load_config(args.config, args.cfg_options)
    if cfg.model.get("type") != "SiamRPN":
        raise ConfigInputError(
            f"{args.config}: model.type is {cfg.model.get('type')!r}, not SiamRPN"
        )
    cfg.work_dir = args.work_dir
    if args.checkpoint:
        cfg.load_from = args.checkpoint
    metric = args.metric or ("eao" if cfg.model.test_cfg.get("test_mode") == "VOT" else "success")
    runner = build_runner(cfg)
    MMLogger.get_current_instance().setLevel(logging.WARNING)
    model = runner.model.module if hasattr(runner.model, "module") else runner.model
    rows = []
    for penalty_k, lr, influence in grid:
        model.head.test_cfg = dict(
            model.head.test_cfg or {}, penalty_k=penalty_k, lr=lr, window_influence=influence
        )
        metrics = {k.split("/")[-1]: v for k, v in runner.test().items()}
        if metric not in metrics:
            raise ConfigInputError(f"metric {metric!r} not reported; got {sorted(metrics)}")
        row = dict(penalty_k=penalty_k, lr=lr, window_influence=influence, metrics=metrics)
        rows.append(row)
        shown = "  ".join(f"{k} {v:.3f}" for k, v in metrics.items() if isinstance(v, float))
        print(f"penalty_k={penalty_k} lr={lr} window_influence={influence}: {shown}", flush=True)
    best = max(rows, key=lambda r: r["metrics"][metric])
    print(
        f"best {metric}: {best['metrics'][metric]:.3f} with penalty_k={best['penalty_k']} "
        f"lr={best['lr']} window_influence={best['window_influence']}"
    )
    return rows


if __name__ == "__main__":
    sys.exit(run_tool(main))
