#!/usr/bin/env python
"""Plot curves and compute the training speed from json training logs.

Reads mmengine's scalar logs (``work_dirs/<exp>/<timestamp>/vis_data/<timestamp>.json``
or ``scalars.json``: one json object per line; training lines carry ``iter``,
validation lines carry the metrics as ``prefix/name``) and MMTracking 0.x
logs (``<timestamp>.log.json``: lines with ``mode`` train/val).

Examples::

    python tools/analysis_tools/analyze_logs.py plot_curve log.json --keys loss_cls --legend loss_cls
    python tools/analysis_tools/analyze_logs.py plot_curve log.json --keys loss_cls loss_bbox --out losses.pdf
    python tools/analysis_tools/analyze_logs.py plot_curve log1.json log2.json --keys bbox_mAP --legend run1 run2
    python tools/analysis_tools/analyze_logs.py cal_train_time log.json [--include-outliers]
"""  # noqa: E501

from __future__ import annotations

import argparse
import json
import os
import os.path as osp
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# seaborn's style names (MMTracking's --style) map onto matplotlib's copies of them.
_SEABORN_STYLES = ("dark", "darkgrid", "white", "whitegrid", "ticks")


@dataclass
class TrainLog:
    """The scalars of one json log.

    Attributes:
        path: the file.
        train: training records: ``dict(epoch=int | None, iter=global iteration,
            values={name: float})``.
        val: validation records: ``dict(epoch=int | None, iter=global iteration
            of the preceding training line, values={name: float})``.
    """

    path: str
    train: list[dict] = field(default_factory=list)
    val: list[dict] = field(default_factory=list)

    @property
    def by_epoch(self) -> bool:
        """Whether the training lines name their epoch."""
        return any(r["epoch"] is not None for r in self.train)


def _numbers(record: dict, skip: Sequence[str]) -> dict[str, float]:
    return {
        k: float(v)
        for k, v in record.items()
        if k not in skip and isinstance(v, (int, float)) and not isinstance(v, bool)
    }


def load_json_log(path: str) -> TrainLog:
    """Parse a json log (mmengine ``vis_data`` scalars or MMTracking 0.x ``.log.json``).

    Raises:
        FileNotFoundError: no such file.
        ValueError: a line is not a json object (file and line named), or the
            log has no training or validation line.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f"log file not found: {path}")
    log = TrainLog(path)
    last_iter, iters_per_epoch = 0, 0
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as e:
                raise ValueError(f"{path}:{lineno}: not a json line ({e.msg})") from None
            if not isinstance(record, dict):
                raise ValueError(f"{path}:{lineno}: expected a json object, got {line.strip()!r}")
            mode = record.get("mode")
            if mode is not None:  # MMTracking 0.x: iter counts within the epoch
                epoch = int(record.get("epoch", 1))
                if mode == "train":
                    it = int(record.get("iter", 0))
                    if epoch == 1:
                        iters_per_epoch = max(iters_per_epoch, it)
                    last_iter = (epoch - 1) * iters_per_epoch + it
                    values = _numbers(record, ("epoch", "iter", "mode"))
                    log.train.append(dict(epoch=epoch, iter=last_iter, values=values))
                elif mode == "val":
                    values = _numbers(record, ("epoch", "iter", "mode"))
                    log.val.append(dict(epoch=epoch, iter=last_iter, values=values))
                continue
            if "iter" in record:  # mmengine training line (global iteration)
                last_iter = int(record["iter"])
                epoch = record.get("epoch")
                values = _numbers(record, ("epoch", "iter", "step"))
                log.train.append(
                    dict(epoch=None if epoch is None else int(epoch), iter=last_iter, values=values)
                )
            elif len(record) > 1:  # mmengine validation line: metrics + step
                values = _numbers(record, ("step",))
                by_epoch = bool(log.train) and log.train[-1]["epoch"] is not None
                epoch = int(record["step"]) if by_epoch and "step" in record else None
                log.val.append(dict(epoch=epoch, iter=last_iter, values=values))
    if not log.train and not log.val:
        raise ValueError(f"{path}: no training or validation line")
    return log


def _find_key(values: dict[str, float], key: str) -> str | None:
    """``key`` itself, or the metric ``prefix/key`` (``bbox_mAP`` -> ``coco/bbox_mAP``)."""
    if key in values:
        return key
    matches = [k for k in values if k.rsplit("/", 1)[-1] == key]
    return matches[0] if matches else None


def curve(log: TrainLog, key: str) -> tuple[np.ndarray, np.ndarray, str]:
    """The points of ``key`` in ``log``.

    Validation metrics are plotted against the epoch (epoch-based training)
    or the iteration they followed; training scalars against the global
    iteration. The time of a validation line is not a training time: keys
    found in both kinds of lines come from the training lines.

    Returns:
        ``(xs, ys, xlabel)``.

    Raises:
        KeyError: the log has no such key.
    """
    train = [(r["iter"], r["values"][k]) for r in log.train if (k := _find_key(r["values"], key))]
    if train:
        xs, ys = zip(*train)
        return np.array(xs), np.array(ys), "iter"
    val = [r for r in log.val if _find_key(r["values"], key)]
    if not val:
        raise KeyError(f"{log.path} does not contain the key {key!r}")
    by_epoch = all(r["epoch"] is not None for r in val)
    xs = [r["epoch"] if by_epoch else r["iter"] for r in val]
    ys = [r["values"][_find_key(r["values"], key)] for r in val]
    return np.array(xs), np.array(ys), "epoch" if by_epoch else "iter"


def _use_style(plt: Any, style: str) -> None:
    if style in ("", "none", "default"):
        return
    name = f"seaborn-v0_8-{style}" if style in _SEABORN_STYLES else style
    if name not in plt.style.available:
        raise ValueError(
            f"unknown --style {style!r}: use one of {list(_SEABORN_STYLES)} or a matplotlib style"
        )
    plt.style.use(name)


def plot_curve(
    logs: Sequence[TrainLog],
    keys: Sequence[str],
    title: str | None = None,
    legend: Sequence[str] | None = None,
    backend: str | None = None,
    style: str = "dark",
    out: str | None = None,
) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """Plot ``keys`` of every log in one figure; save it to ``out`` or show it.

    Args:
        logs: parsed logs.
        keys: scalars to plot (``loss_cls``, ``bbox_mAP``, ``HOTA``...).
        title: figure title. Defaults to None.
        legend: one label per (log, key), logs first. Defaults to
            ``{log path}_{key}``.
        backend: matplotlib backend. Defaults to ``Agg`` with ``out``.
        style: seaborn-like style name. Defaults to ``'dark'``.
        out: image file (format from its extension), written atomically.
            Defaults to None (show the figure).

    Returns:
        The plotted ``(label, xs, ys)``.
    """
    import matplotlib

    if backend is not None:
        matplotlib.use(backend, force=True)
    elif out is not None:
        matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    if legend is None:
        legend = [f"{log.path}_{key}" for log in logs for key in keys]
    if len(legend) != len(logs) * len(keys):
        raise ValueError(
            f"--legend needs one label per log and key ({len(logs)} x {len(keys)}), "
            f"got {len(legend)}"
        )
    with plt.style.context("default"):
        _use_style(plt, style)
        fig, ax = plt.subplots()
        plotted = []
        for i, log in enumerate(logs):
            for j, key in enumerate(keys):
                xs, ys, xlabel = curve(log, key)
                label = legend[i * len(keys) + j]
                print(f"plot curve of {log.path}, metric is {key}")
                if xlabel == "epoch" or len(xs) < 3:
                    ax.plot(xs, ys, label=label, marker="o")
                else:
                    ax.plot(xs, ys, label=label, linewidth=0.8)
                ax.set_xlabel(xlabel)
                plotted.append((label, xs, ys))
        ax.legend()
        if title is not None:
            ax.set_title(title)
        if out is None:
            plt.show()
        else:
            out_dir = osp.dirname(osp.abspath(out))
            os.makedirs(out_dir, exist_ok=True)
            ext = osp.splitext(out)[1]
            fd, tmp = tempfile.mkstemp(suffix=ext or ".png", dir=out_dir, prefix=".plot.tmp-")
            os.close(fd)
            try:
                fig.savefig(tmp, format=ext[1:] if ext else "png")
                os.replace(tmp, out)
            finally:
                if osp.exists(tmp):
                    os.remove(tmp)
            print(f"save curve to: {out}")
        plt.close(fig)
    return plotted


def cal_train_time(log: TrainLog, include_outliers: bool = False) -> dict[str, Any]:
    """Per-epoch and overall average iteration time of a log (its ``time`` scalars).

    The first logged time of every epoch is left out unless
    ``include_outliers`` (it includes the start of the data loader). Logs
    without epochs count as one epoch.

    Returns:
        ``dict(epoch_means=list, slowest_epoch, fastest_epoch, std, mean)``
        (epochs 1-based).

    Raises:
        ValueError: the log has no training ``time``.
    """
    epochs: dict[int, list[float]] = {}
    for r in log.train:
        if "time" in r["values"]:
            epochs.setdefault(r["epoch"] if r["epoch"] is not None else 1, []).append(
                r["values"]["time"]
            )
    times = {e: (t if include_outliers else t[1:]) for e, t in epochs.items()}
    times = {e: t for e, t in times.items() if t}
    if not times:
        raise ValueError(f"{log.path}: no training 'time' to average")
    order = sorted(times)
    means = np.array([np.mean(times[e]) for e in order])
    all_times = np.concatenate([times[e] for e in order])
    stats = dict(
        epochs=order,
        epoch_means=means.tolist(),
        slowest_epoch=order[int(means.argmax())],
        fastest_epoch=order[int(means.argmin())],
        std=float(means.std()),
        mean=float(all_times.mean()),
    )
    print(f"{'-' * 5}Analyze train time of {log.path}{'-' * 5}")
    print(f"slowest epoch {stats['slowest_epoch']}, average time is {means.max():.4f}")
    print(f"fastest epoch {stats['fastest_epoch']}, average time is {means.min():.4f}")
    print(f"time std over epochs is {stats['std']:.4f}")
    print(f"average iter time: {stats['mean']:.4f} s/iter")
    print()
    return stats


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command line of ``analyze_logs.py``."""
    parser = argparse.ArgumentParser(prog="analyze_logs.py", description="Analyze json logs")
    sub = parser.add_subparsers(dest="task", required=True)
    plot = sub.add_parser("plot_curve", help="plot scalars of the logs")
    plot.add_argument("json_logs", nargs="+", help="json logs")
    plot.add_argument(
        "--keys", nargs="+", default=["bbox_mAP"], help="scalars to plot (default bbox_mAP)"
    )
    plot.add_argument("--title", help="figure title")
    plot.add_argument("--legend", nargs="+", help="one label per log and key")
    plot.add_argument("--backend", help="matplotlib backend (default: Agg with --out)")
    plot.add_argument(
        "--style", default="dark", help="dark, darkgrid, white, whitegrid, ticks or none"
    )
    plot.add_argument("--out", help="image file to write (png, pdf, svg...)")
    time = sub.add_parser("cal_train_time", help="average time per training iteration")
    time.add_argument("json_logs", nargs="+", help="json logs")
    time.add_argument(
        "--include-outliers",
        action="store_true",
        help="count the first iteration of every epoch",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the tool; returns the exit code (1 on a bad log or argument)."""
    args = parse_args(argv)
    try:
        logs = [load_json_log(p) for p in args.json_logs]
        if args.task == "plot_curve":
            plot_curve(logs, args.keys, args.title, args.legend, args.backend, args.style, args.out)
        else:
            for log in logs:
                cal_train_time(log, args.include_outliers)
    except (OSError, ValueError, KeyError) as e:
        msg = e.args[0] if isinstance(e, KeyError) and e.args else e
        print(f"analyze_logs.py: error: {msg}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
