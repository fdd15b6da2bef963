"""Post-process MOTChallenge result files: AFLink relinking, interpolation, GSI.

StrongSORT++ = StrongSORT results + ``--aflink CKPT --gsi``.

Example:
    python tools/analysis_tools/mot/postprocess_results.py --results work_dirs/strongsort \
        --out work_dirs/strongsort_pp --aflink work_dirs/aflink.pth --gsi
"""

from __future__ import annotations

import argparse
import os
import os.path as osp
import sys

import numpy as np


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="AFLink / interpolation / GSI on result files")
    parser.add_argument("--results", required=True, help="folder of <seq>.txt results")
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument(
        "--aflink", help="AFLink checkpoint (MMTracking 1.x's, or from train_aflink.py)"
    )
    parser.add_argument("--temporal-threshold", type=int, nargs=2, default=(0, 30))
    parser.add_argument("--spatial-threshold", type=float, default=75)
    parser.add_argument("--confidence-threshold", type=float, default=0.95)
    parser.add_argument("--interpolate", action="store_true", help="linear interpolation")
    parser.add_argument("--gsi", action="store_true", help="Gaussian-smoothed interpolation")
    parser.add_argument("--min-num-frames", type=int, default=5)
    parser.add_argument("--max-num-frames", type=int, default=20)
    parser.add_argument("--smooth-tau", type=float, default=10)
    args = parser.parse_args(argv)

    from mmtrack.apis.track_detections import write_mot_results
    from mmtrack.evaluation.functional import interpolate_tracks, read_mot_txt
    from mmtrack.models.task_modules.track import AppearanceFreeLink

    files = sorted(f for f in os.listdir(args.results) if f.endswith(".txt"))
    if not files:
        print(f"error: no <seq>.txt in {args.results}", file=sys.stderr)
        return 1
    linker = None
    if args.aflink:
        linker = AppearanceFreeLink(
            checkpoint=args.aflink,
            temporal_threshold=tuple(args.temporal_threshold),
            spatial_threshold=args.spatial_threshold,
            confidence_threshold=args.confidence_threshold,
        )
    for f in files:
        rows = read_mot_txt(osp.join(args.results, f), kind="result")
        # (frame, id, x1, y1, x2, y2, score), what AppearanceFreeLink and the
        # interpolation functions take
        t = np.stack(
            [
                rows[:, 0],
                rows[:, 1],
                rows[:, 2],
                rows[:, 3],
                rows[:, 2] + rows[:, 4],
                rows[:, 3] + rows[:, 5],
                rows[:, 6],
            ],
            axis=1,
        )
        if linker is not None and len(t):
            t = linker.forward(t)
        if args.interpolate or args.gsi:
            t = interpolate_tracks(
                t,
                args.min_num_frames,
                args.max_num_frames,
                use_gsi=args.gsi,
                smooth_tau=args.smooth_tau,
            )
        rows = np.concatenate([t[:, :2], t[:, 2:4], t[:, 4:6] - t[:, 2:4], t[:, 6:7]], axis=1)
        by_frame = []
        for frame in np.unique(rows[:, 0]).astype(int):
            r = rows[rows[:, 0] == frame]
            by_frame.append(
                (
                    int(frame),
                    dict(
                        bboxes=np.concatenate([r[:, 2:4], r[:, 2:4] + r[:, 4:6]], axis=1),
                        scores=r[:, 6],
                        ids=r[:, 1].astype(int) - 1,
                    ),
                )
            )
        write_mot_results(osp.join(args.out, f), by_frame)
    print(f"post-processed {len(files)} sequences -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
