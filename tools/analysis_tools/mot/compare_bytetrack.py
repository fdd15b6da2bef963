"""ByteTrack accuracy on crowded synthetic detection streams, next to a peer's ByteTrack.

Makes held-out detection streams with ground truth (objects moving at
constant velocity, bouncing off the frame border, noisy boxes, missed
detections, low-score true detections and false positives of every score;
``--objects`` per frame), tracks them with

* ``faithful``: ``ByteTracker`` with MMTracking 0.14's defaults (what the
  shipped configs use),
* ``paper``: ``ByteTracker.paper_settings()``: the original ByteTrack code's
  thresholds and track life cycle (outputs confirmed tracks only),
* each single change of ``paper`` over ``faithful`` (to show which one
  matters),
* BoxMOT's ``ByteTrack`` when it can be imported (``--peer-path`` adds a
  folder to ``sys.path``, e.g. one made by
  ``pip install --target /tmp/bm --no-deps boxmot``; nothing is fetched here),

and prints HOTA / MOTA / IDF1 / IDSw through TrackEval for each, per stream
density, plus the tracking-loop frames/s.

Example:
    python tools/analysis_tools/mot/compare_bytetrack.py --objects 20 300 --frames 150
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Callable

import numpy as np

#: Frame size of the streams (w, h).
FRAME = (1920, 1080)


def make_stream(
    num_objects: int, num_frames: int, seed: int
) -> tuple[list[tuple[np.ndarray, np.ndarray]], np.ndarray]:
    """One crowded stream: per-frame detections and MOTChallenge ground truth.

    Args:
        num_objects: objects in every frame.
        num_frames: frames.
        seed: random seed.

    Returns:
        ``(frames, gt)``: ``frames[t] = (bboxes (N, 4) x1y1x2y2, scores (N,))``
        and ``gt`` ``(M, 9)`` rows ``frame (1-based), id, left, top, width,
        height, 1, 1, 1``.
    """
    rng = np.random.default_rng(seed)
    w, h = FRAME
    wh = rng.uniform([20, 50], [70, 160], (num_objects, 2))
    pos = rng.uniform([0, 0], [w - 80, h - 170], (num_objects, 2))
    vel = rng.normal(0, 4, (num_objects, 2))
    frames, gt = [], []
    for t in range(num_frames):
        vel += rng.normal(0, 0.3, vel.shape)  # slowly changing direction
        pos = pos + vel
        out = (pos < 0) | (pos + wh > [w, h])
        vel[out] *= -1
        pos = np.clip(pos, 0, np.array([w, h]) - wh)
        boxes = np.concatenate([pos, pos + wh], 1)
        ids = np.arange(num_objects)
        gt.append(
            np.column_stack(
                [np.full(num_objects, t + 1), ids + 1, pos, wh, np.ones((num_objects, 3))]
            )
        )
        # detections: 8% missed, box noise, a quarter of the true ones with low scores
        seen = rng.random(num_objects) > 0.08
        noise = rng.normal(0, 2.0, (int(seen.sum()), 4)) * np.repeat(wh[seen], 2, 1) / 50
        noisy = boxes[seen] + noise
        k = int(seen.sum())
        low = rng.random(k) < 0.25
        scores = np.where(low, rng.uniform(0.15, 0.6, k), rng.uniform(0.6, 1.0, k))
        n_fp = rng.poisson(max(1.0, num_objects * 0.03))
        fp_xy = rng.uniform([0, 0], [w - 60, h - 120], (n_fp, 2))
        fp = np.concatenate([fp_xy, fp_xy + rng.uniform([20, 50], [60, 120], (n_fp, 2))], 1)
        fp_scores = np.where(
            rng.random(n_fp) < 0.2, rng.uniform(0.6, 0.9, n_fp), rng.uniform(0.1, 0.5, n_fp)
        )
        order = rng.permutation(len(noisy) + n_fp)
        b = np.concatenate([noisy, fp])[order]
        s = np.concatenate([scores, fp_scores])[order]
        frames.append((b.astype(np.float32), np.clip(s, 0, 1).astype(np.float32)))
    return frames, np.concatenate(gt)


def rows_from_outputs(outputs: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> np.ndarray:
    """``[(bboxes x1y1x2y2, scores, ids)] per frame`` -> MOTChallenge result rows ``(M, 10)``."""
    rows = []
    for t, (b, s, i) in enumerate(outputs):
        if len(b) == 0:
            continue
        b = np.asarray(b, dtype=np.float64).reshape(-1, 4)
        rows.append(
            np.column_stack(
                [
                    np.full(len(b), t + 1),
                    np.asarray(i) + 1,
                    b[:, :2],
                    b[:, 2:] - b[:, :2],
                    s,
                    -np.ones((len(b), 3)),
                ]
            )
        )
    return np.concatenate(rows) if rows else np.zeros((0, 10))


def run_ours(cfg: dict) -> Callable:
    """A stream runner for one ``ByteTracker`` config."""
    from mmtrack.registry import MODELS

    def run(frames: list) -> list:
        tracker = MODELS.build(cfg)
        outs = []
        for t, (b, s) in enumerate(frames):
            res = tracker.update(
                b.astype(np.float64), s.astype(np.float64), np.zeros(len(b), np.int64), t
            )
            outs.append((res["bboxes"], res["scores"], res["ids"]))
        return outs

    return run


def run_boxmot() -> Callable | None:
    """A stream runner for BoxMOT's ByteTrack (default settings), or None if absent."""
    try:
        from boxmot.trackers.box.bytetrack.tracker import ByteTrack
    except Exception:  # noqa: BLE001 - any import failure means "not available"
        return None

    def run(frames: list) -> list:
        tracker = ByteTrack()
        img = np.zeros((FRAME[1], FRAME[0], 3), np.uint8)
        outs = []
        for b, s in frames:
            dets = np.column_stack([b, s, np.zeros(len(b))]).astype(np.float32)
            res = tracker.update(dets, img)
            res = np.asarray(res).reshape(-1, 8)
            outs.append((res[:, :4], res[:, 5], res[:, 4].astype(np.int64)))
        return outs

    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--objects", type=int, nargs="+", default=[20, 300])
    parser.add_argument("--frames", type=int, default=150)
    parser.add_argument("--seqs", type=int, default=2, help="streams per density")
    parser.add_argument("--seed", type=int, default=100, help="held-out streams use seed+k")
    parser.add_argument("--peer-path", default=None, help="folder holding BoxMOT (optional)")
    args = parser.parse_args(argv)
    if args.peer_path:
        sys.path.insert(0, args.peer_path)

    from mmtrack.evaluation.functional import evaluate_mot
    from mmtrack.models.trackers import ByteTracker
    from mmtrack.utils import register_all_modules

    register_all_modules()
    paper = ByteTracker.paper_settings()
    faithful = dict(type="ByteTracker")
    runners: dict[str, Callable | None] = {
        "faithful (MMTracking)": run_ours(faithful),
        "paper (ByteTrack code)": run_ours(dict(type="ByteTracker", **paper)),
    }
    for key, value in paper.items():
        runners[f"faithful + {key}"] = run_ours(dict(type="ByteTracker", **{key: value}))
    # BoxMOT's defaults split and start tracks at 0.45 (ByteTrack's MOT17 run: 0.6 / 0.7)
    low_thrs = dict(obj_score_thrs=dict(high=0.45, low=0.1), init_track_thr=0.45)
    runners["paper + BoxMOT thresholds (0.45)"] = run_ours(
        dict(type="ByteTracker", **paper, **low_thrs)
    )
    runners["BoxMOT ByteTrack"] = run_boxmot()

    for n in args.objects:
        streams = [make_stream(n, args.frames, args.seed + k) for k in range(args.seqs)]
        gts = {f"S{k}": gt for k, (_, gt) in enumerate(streams)}
        lengths = {f"S{k}": args.frames for k in range(args.seqs)}
        print(f"\n{n} objects/frame, {args.seqs} streams x {args.frames} frames")
        print(f"{'tracker':40s} {'HOTA':>6s} {'MOTA':>6s} {'IDF1':>6s} {'IDSw':>6s} {'fps':>8s}")
        for name, run in runners.items():
            if run is None:
                print(f"{name:40s} (not importable; pass --peer-path)")
                continue
            results, elapsed = {}, 0.0
            for k, (frames, _) in enumerate(streams):
                start = time.perf_counter()
                outs = run(frames)
                elapsed += time.perf_counter() - start
                results[f"S{k}"] = rows_from_outputs(outs)
            summary = evaluate_mot(gts, results, lengths, benchmark="MOT17")["COMBINED"]
            fps = args.seqs * args.frames / elapsed
            print(
                f"{name:40s} {summary['HOTA']:6.2f} {summary['MOTA']:6.2f} "
                f"{summary['IDF1']:6.2f} {int(summary['IDSw']):6d} {fps:8.1f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
