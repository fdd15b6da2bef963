"""Speed of the motion-only trackers' update loop on in-memory detection streams.

For each stream size (objects per frame) every tracker runs over the same
frames, and in the same run a naive reference does the same association work
the textbook way (per-frame Python loops over track/detection pairs for IoU,
greedy-free Hungarian on the dense matrix, one Kalman step per track). The
script prints frames/s (the median of ``--repeats`` timed runs) and the
speed-up over the reference.

Example:
    OMP_NUM_THREADS=1 python tools/analysis_tools/mot/benchmark_trackers.py \
        --objects 20 100 300 --frames 300 --repeats 5
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from scipy.optimize import linear_sum_assignment

from mmtrack.registry import MODELS
from mmtrack.utils import register_all_modules

#: Motion-only settings of every tracker that needs no image.
MOTION_ONLY = {
    "SORTTracker": dict(type="SORTTracker"),
    "ByteTracker": dict(type="ByteTracker"),
    "OCSORTTracker": dict(type="OCSORTTracker"),
    "BoTSORTTracker": dict(type="BoTSORTTracker"),
    "StrongSORTTracker": dict(type="StrongSORTTracker", reid=None),
    "DeepOCSORTTracker": dict(type="DeepOCSORTTracker", with_reid=False),
}


def make_stream(num_objects: int, num_frames: int, seed: int = 0) -> list[tuple[np.ndarray, ...]]:
    """Objects moving at constant velocity in a 1920x1080 frame, noisy boxes.

    Each frame has ``num_objects`` detections (scores in [0.5, 1]); 5% of the
    objects are missed per frame and a few low-score false positives appear.
    """
    rng = np.random.default_rng(seed)
    pos = rng.uniform([0, 0], [1880, 1000], (num_objects, 2))
    vel = rng.normal(0, 3, (num_objects, 2))
    wh = rng.uniform([20, 40], [60, 140], (num_objects, 2))
    frames = []
    for _ in range(num_frames):
        pos = pos + vel
        out = (pos < [-50, -50]) | (pos > [1900, 1060])
        vel[out] *= -1
        boxes = np.concatenate([pos, pos + wh], 1) + rng.normal(0, 1.5, (num_objects, 4))
        keep = rng.random(num_objects) > 0.05
        scores = rng.uniform(0.5, 1.0, num_objects)
        n_fp = rng.integers(0, 3)
        fp = rng.uniform(0, 1800, (n_fp, 2))
        fp_boxes = np.concatenate([fp, fp + 50], 1)
        b = np.concatenate([boxes[keep], fp_boxes])
        s = np.concatenate([scores[keep], rng.uniform(0.1, 0.4, n_fp)])
        frames.append((b, s, np.zeros(len(b), dtype=np.int64)))
    return frames


class NaiveIoUTracker:
    """Reference: IoU tracker with per-pair Python loops and a per-track Kalman step."""

    def __init__(self, kf, iou_thr: float = 0.3, max_age: int = 30) -> None:
        self.kf, self.iou_thr, self.max_age = kf, iou_thr, max_age
        self.tracks: list[dict] = []
        self.next_id = 0

    def reset(self) -> None:
        self.tracks, self.next_id = [], 0

    @staticmethod
    def _iou(a, b) -> float:
        iw = min(a[2], b[2]) - max(a[0], b[0])
        ih = min(a[3], b[3]) - max(a[1], b[1])
        if iw <= 0 or ih <= 0:
            return 0.0
        inter = iw * ih
        return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)

    @staticmethod
    def _xyah(b):
        w, h = b[2] - b[0], b[3] - b[1]
        return np.array([b[0] + w / 2, b[1] + h / 2, w / h, h])

    @staticmethod
    def _xyxy(m):
        w = m[2] * m[3]
        return [m[0] - w / 2, m[1] - m[3] / 2, m[0] + w / 2, m[1] + m[3] / 2]

    def update(self, bboxes, scores, labels, frame_id):
        for t in self.tracks:
            t["mean"], t["cov"] = self.kf.predict(t["mean"], t["cov"])
        cost = np.ones((len(self.tracks), len(bboxes)))
        for i, t in enumerate(self.tracks):
            tb = self._xyxy(t["mean"])
            for j, b in enumerate(bboxes):
                cost[i, j] = 1 - self._iou(tb, b)
        matched = set()
        if cost.size:
            rows, cols = linear_sum_assignment(cost)
            for r, c in zip(rows, cols):
                if cost[r, c] <= 1 - self.iou_thr:
                    t = self.tracks[r]
                    t["mean"], t["cov"] = self.kf.update(t["mean"], t["cov"], self._xyah(bboxes[c]))
                    t["last"] = frame_id
                    matched.add(c)
        for j, b in enumerate(bboxes):
            if j not in matched:
                m, c = self.kf.initiate(self._xyah(b))
                self.tracks.append(dict(mean=m, cov=c, last=frame_id, id=self.next_id))
                self.next_id += 1
        self.tracks = [t for t in self.tracks if frame_id - t["last"] < self.max_age]


def time_loop(tracker, frames) -> float:
    tracker.reset()
    t0 = time.perf_counter()
    for f, (b, s, lab) in enumerate(frames):
        tracker.update(b, s, lab, f)
    return len(frames) / (time.perf_counter() - t0)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--objects", type=int, nargs="+", default=[20, 100, 300])
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument(
        "--repeats", type=int, default=3, help="timed runs per tracker; the median is printed"
    )
    parser.add_argument(
        "--trackers",
        nargs="+",
        default=list(MOTION_ONLY),
        help="tracker types; StrongSORT and Deep OC-SORT run without ReID/CMC",
    )
    args = parser.parse_args(argv)
    if args.repeats < 1 or args.frames < 1:
        parser.error(f"--repeats and --frames must be >= 1, got {args.repeats} and {args.frames}")
    register_all_modules()
    kf = MODELS.build(dict(type="ByteTracker")).kf
    print(f"{'objects':>8} {'tracker':>16} {'frames/s':>10} {'naive f/s':>10} {'ratio':>7}")
    for n in args.objects:
        frames = make_stream(n, args.frames)
        naive_fps = time_loop(NaiveIoUTracker(kf), frames[: max(30, args.frames // 5)])
        for name in args.trackers:
            tracker = MODELS.build(MOTION_ONLY.get(name, dict(type=name)))
            fps = statistics.median(time_loop(tracker, frames) for _ in range(args.repeats))
            print(f"{n:>8} {name:>16} {fps:>10.0f} {naive_fps:>10.0f} {fps / naive_fps:>7.1f}")


if __name__ == "__main__":
    main()
