"""Tracking from detection files, without images or a detector."""

from __future__ import annotations

import os
import os.path as osp
import tempfile
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
from mmengine.config import Config

from mmtrack.registry import MODELS


def load_mot_detections(path: str) -> dict[int, np.ndarray]:
    """Read MOTChallenge detection rows ``frame,id,x,y,w,h,score[,...]``.

    Args:
        path: a ``det.txt``-style file (comma separated, frames 1-based).

    Returns:
        ``{frame: (n, 5) float64 array of x1, y1, x2, y2, score}`` for every
        frame that has at least one row.

    Raises:
        ValueError: naming the file and line of a malformed row (fewer than 7
            columns, a non-numeric field, a non-integer or non-positive frame,
            a negative width or height).
    """
    rows: dict[int, list[list[float]]] = {}
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            parts = [p.strip() for p in line.replace(" ", ",").split(",") if p.strip()]
            if len(parts) < 7:
                raise ValueError(
                    f"{path}:{lineno}: expected at least 7 comma-separated columns "
                    f"(frame,id,x,y,w,h,score), got {len(parts)}: {line!r}"
                )
            try:
                vals = [float(p) for p in parts[:7]]
            except ValueError as e:
                raise ValueError(f"{path}:{lineno}: non-numeric field in {line!r}") from e
            frame = vals[0]
            if frame != int(frame) or frame < 1:
                raise ValueError(
                    f"{path}:{lineno}: frame must be a positive integer, got {parts[0]}"
                )
            x, y, w, h, score = vals[2:7]
            if w < 0 or h < 0 or not np.isfinite([x, y, w, h, score]).all():
                raise ValueError(
                    f"{path}:{lineno}: box must be finite with w, h >= 0, "
                    f"got x={x} y={y} w={w} h={h}"
                )
            rows.setdefault(int(frame), []).append([x, y, x + w, y + h, score])
    return {k: np.asarray(v, dtype=np.float64) for k, v in rows.items()}


def build_tracker(config: str | Config | dict, cfg_options: dict | None = None) -> Any:
    """Build the tracker of a MOT config (``model.tracker``) or a bare ``tracker`` dict."""
    if isinstance(config, dict) and "type" in config:
        return MODELS.build(config)
    cfg = Config.fromfile(config) if isinstance(config, str) else config
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if "model" in cfg and "tracker" in cfg.model:
        tracker_cfg = cfg.model.tracker
    elif "tracker" in cfg:
        tracker_cfg = cfg.tracker
    else:
        name = config if isinstance(config, str) else "<Config>"
        raise KeyError(f"{name}: config has neither 'model.tracker' nor 'tracker'")
    return MODELS.build(tracker_cfg)


def track_sequence(
    tracker: Any, detections: dict[int, np.ndarray], num_frames: int | None = None
) -> tuple[list[tuple[int, dict[str, np.ndarray]]], float]:
    """Run ``tracker`` over one sequence of in-memory detections.

    Args:
        tracker: a tracker with ``reset()`` and ``update(bboxes, scores, labels, frame_id)``.
        detections: ``{frame (1-based): (n, 5) x1y1x2y2score}``.
        num_frames: sequence length; frames without rows are tracked as empty.
            Defaults to the largest frame in ``detections``.

    Returns:
        ``[(frame, result), ...]`` and the seconds spent in the tracking loop.
    """
    num_frames = num_frames or (max(detections) if detections else 0)
    empty = np.zeros((0, 5))
    frames = [detections.get(f, empty) for f in range(1, num_frames + 1)]
    tracker.reset()
    out = []
    t0 = time.perf_counter()
    for i, d in enumerate(frames):
        res = tracker.update(d[:, :4], d[:, 4], np.zeros(len(d), dtype=np.int64), i)
        out.append((i + 1, res))
    return out, time.perf_counter() - t0


def write_mot_results(path: str, results: Sequence[tuple[int, dict[str, np.ndarray]]]) -> None:
    """Write ``frame,id,x,y,w,h,score,-1,-1,-1`` rows (ids 1-based), atomically."""
    d = osp.dirname(osp.abspath(path))
    os.makedirs(d, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".tmp_", suffix=".txt")
    try:
        with os.fdopen(fd, "w") as f:
            for frame, res in results:
                for b, s, i in zip(res["bboxes"], res["scores"], res["ids"]):
                    f.write(
                        f"{frame},{int(i) + 1},{b[0]:.2f},{b[1]:.2f},{b[2] - b[0]:.2f},"
                        f"{b[3] - b[1]:.2f},{s:.4f},-1,-1,-1\n"
                    )
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise


def track_detection_files(
    config: str | Config | dict,
    dets_dir: str,
    out_dir: str,
    cfg_options: dict | None = None,
) -> dict[str, Any]:
    """Track every ``<dets_dir>/<seq>.txt`` and write ``<out_dir>/<seq>.txt``.

    Args:
        config: MOT config path/Config (its ``model.tracker`` is used) or a
            tracker config dict.
        dets_dir: folder of MOTChallenge detection files, one per sequence.
        out_dir: folder for the MOTChallenge result files.
        cfg_options: overrides merged into the config.

    Returns:
        ``dict(num_seqs, num_frames, seconds, fps)``, timing the tracking loop only.
    """
    if not osp.isdir(dets_dir):
        raise FileNotFoundError(f"--dets: {dets_dir} is not a directory")
    files = sorted(f for f in os.listdir(dets_dir) if f.endswith(".txt"))
    if not files:
        raise FileNotFoundError(f"--dets: no <seq>.txt detection file in {dets_dir}")
    tracker = build_tracker(config, cfg_options)
    seqs = [(f[:-4], load_mot_detections(osp.join(dets_dir, f))) for f in files]
    total_frames, total_time = 0, 0.0
    for name, dets in seqs:
        results, seconds = track_sequence(tracker, dets)
        write_mot_results(osp.join(out_dir, f"{name}.txt"), results)
        total_frames += len(results)
        total_time += seconds
    return dict(
        num_seqs=len(seqs),
        num_frames=total_frames,
        seconds=total_time,
        fps=total_frames / total_time if total_time > 0 else float("inf"),
    )
