"""The README's main job: track the synthetic demo videos and score the result.

Steps (all offline, CPU):
1. generate the synthetic validation videos (MOTChallenge layout) with the
   project's generator, deterministically;
2. track their public detections (``det/det.txt``) with ByteTrack through
   ``mmtrack.apis.track_detection_files`` (the ``track_dets.py`` tool);
3. evaluate the tracks against ``gt/gt.txt`` with HOTA/MOTA/IDF1 (TrackEval);
4. print the scores and where the outputs are.
"""

from __future__ import annotations

import argparse
import os
import os.path as osp
import shutil
import sys

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=osp.join(ROOT, "outputs", "demo"))
    parser.add_argument("--num-seqs", type=int, default=3)
    parser.add_argument("--num-frames", type=int, default=60)
    args = parser.parse_args()

    from mmtrack.apis import track_detection_files
    from mmtrack.datasets.synthetic import generate_mot_sequences
    from mmtrack.utils import register_all_modules

    register_all_modules()
    data_root = osp.join(args.out, "data")
    if osp.isdir(data_root):
        shutil.rmtree(data_root)
    seqs = generate_mot_sequences(
        data_root, split="val", num_seqs=args.num_seqs, num_frames=args.num_frames, seed=1234
    )
    print(f"[1/3] generated {len(seqs)} synthetic videos in {data_root}/val")

    det_dir = osp.join(args.out, "public_dets")
    os.makedirs(det_dir, exist_ok=True)
    for seq in seqs:
        shutil.copy(osp.join(seq, "det", "det.txt"), osp.join(det_dir, osp.basename(seq) + ".txt"))
    res_dir = osp.join(args.out, "tracks_bytetrack")
    stats = track_detection_files(dict(type="ByteTracker"), det_dir, res_dir)
    print(
        f"[2/3] ByteTrack tracked {stats['num_frames']} frames at {stats['fps']:.0f} frames/s "
        f"-> {res_dir}"
    )

    from mmtrack.evaluation.functional import evaluate_mot, read_mot_txt, read_seqinfo

    gts, results, lengths = {}, {}, {}
    for seq in seqs:
        name = osp.basename(seq)
        lengths[name] = read_seqinfo(osp.join(seq, "seqinfo.ini"))["seqLength"]
        gts[name] = read_mot_txt(osp.join(seq, "gt", "gt.txt"), kind="gt")
        results[name] = read_mot_txt(osp.join(res_dir, name + ".txt"), kind="result")
    table = evaluate_mot(gts, results, lengths, benchmark="MOT17")
    comb = table["COMBINED"]
    print(
        f"[3/3] synthetic val: HOTA {comb['HOTA']:.1f}  MOTA {comb['MOTA']:.1f}  "
        f"IDF1 {comb['IDF1']:.1f}  IDSw {comb['IDSw']}"
    )
    print(f"outputs: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
