"""Score the motion-only trackers on the synthetic videos' public detections.

Generates synthetic validation videos (deterministic), tracks their
``det/det.txt`` with each tracker (no images, no ReID) and scores the tracks
against ``gt/gt.txt`` with TrackEval. Prints HOTA, MOTA, IDF1, IDSw and the
tracking-loop frames/s.

Example:
    python tools/analysis_tools/mot/compare_trackers_synthetic.py --num-seqs 4 --num-frames 80
"""

from __future__ import annotations

import argparse
import os
import os.path as osp
import shutil
import tempfile

TRACKERS = [
    dict(type="SORTTracker", match_iou_thr=0.3),
    dict(type="ByteTracker"),
    dict(type="OCSORTTracker"),
    dict(type="BoTSORTTracker"),
    dict(type="StrongSORTTracker", reid=None),
    dict(type="DeepOCSORTTracker", with_reid=False),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--num-seqs", type=int, default=4)
    parser.add_argument("--num-frames", type=int, default=80)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    from mmtrack.apis import track_detection_files
    from mmtrack.datasets.synthetic import generate_mot_sequences
    from mmtrack.evaluation.functional import evaluate_mot, read_mot_txt, read_seqinfo
    from mmtrack.utils import register_all_modules

    register_all_modules()
    with tempfile.TemporaryDirectory() as tmp:
        seqs = generate_mot_sequences(
            tmp, split="val", num_seqs=args.num_seqs, num_frames=args.num_frames, seed=args.seed
        )
        dets = osp.join(tmp, "dets")
        os.makedirs(dets)
        for s in seqs:
            shutil.copy(osp.join(s, "det", "det.txt"), osp.join(dets, osp.basename(s) + ".txt"))
        gts = {osp.basename(s): read_mot_txt(osp.join(s, "gt", "gt.txt"), kind="gt") for s in seqs}
        lengths = {
            osp.basename(s): read_seqinfo(osp.join(s, "seqinfo.ini"))["seqLength"] for s in seqs
        }
        print(f"{'tracker':<20} {'HOTA':>6} {'MOTA':>6} {'IDF1':>6} {'IDSw':>5} {'frames/s':>9}")
        for cfg in TRACKERS:
            out = osp.join(tmp, cfg["type"])
            stats = track_detection_files(cfg, dets, out)
            res = {n: read_mot_txt(osp.join(out, n + ".txt"), kind="result") for n in gts}
            c = evaluate_mot(gts, res, lengths)["COMBINED"]
            print(
                f"{cfg['type']:<20} {c['HOTA']:>6.1f} {c['MOTA']:>6.1f} {c['IDF1']:>6.1f} "
                f"{c['IDSw']:>5} {stats['fps']:>9.0f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
