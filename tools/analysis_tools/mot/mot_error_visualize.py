"""Draw the errors of MOT results: false positives, misses and identity switches.

For every frame, ground-truth boxes (pedestrians, MOTChallenge ``gt.txt``)
and result boxes are matched by the Hungarian algorithm at IoU >= 0.5
(CLEAR-MOT style, keeping a previous match when it still qualifies). Drawn:

* false positive (unmatched result): red;
* false negative (unmatched ground truth): yellow;
* identity switch (ground truth matched to another id than before): blue;
* correct match: green.

Example:
    python tools/analysis_tools/mot/mot_error_visualize.py --gt-root data/MOT17/train \
        --results work_dirs/bytetrack --output-dir work_dirs/errors --fps 3
"""

from __future__ import annotations

import argparse
import os
import os.path as osp
import sys

import cv2
import numpy as np

COLORS = dict(fp=(0, 0, 255), fn=(0, 255, 255), idsw=(255, 0, 0), tp=(0, 255, 0))


def classify_frame(
    gt: np.ndarray, res: np.ndarray, prev_match: dict[int, int], iou_thr: float = 0.5
) -> dict[str, list[int]]:
    """Classify one frame's rows.

    Args:
        gt: ``(G, >=6)`` gt rows ``frame, id, x, y, w, h``.
        res: ``(R, >=6)`` result rows.
        prev_match: ``{gt id: result id}`` of the last frame each gt was matched;
            updated in place.
        iou_thr: minimum IoU of a match. Defaults to 0.5.

    Returns:
        Row indices: ``tp`` and ``idsw`` (into ``gt``), ``fn`` (into ``gt``),
        ``fp`` (into ``res``).
    """
    from scipy.optimize import linear_sum_assignment

    from mmtrack.models.task_modules.track import iou_matrix

    def xyxy(r: np.ndarray) -> np.ndarray:
        return np.concatenate([r[:, 2:4], r[:, 2:4] + r[:, 4:6]], axis=1)

    iou = iou_matrix(xyxy(gt), xyxy(res)) if len(gt) and len(res) else np.zeros((len(gt), len(res)))
    # Prefer continuing previous matches (CLEAR-MOT): give them a bonus in the cost.
    cost = 1.0 - iou
    for g in range(len(gt)):
        pid = prev_match.get(int(gt[g, 1]))
        if pid is not None:
            cost[g, res[:, 1] == pid] -= 10.0
    cost[iou < iou_thr] = 1e6
    rows, cols = linear_sum_assignment(cost) if cost.size else (np.zeros(0, int), np.zeros(0, int))
    out = dict(tp=[], idsw=[], fn=[], fp=[])
    matched_g, matched_r = set(), set()
    for g, r in zip(rows, cols):
        if cost[g, r] >= 1e5:
            continue
        matched_g.add(g)
        matched_r.add(r)
        gid, rid = int(gt[g, 1]), int(res[r, 1])
        if gid in prev_match and prev_match[gid] != rid:
            out["idsw"].append(g)
        else:
            out["tp"].append(g)
        prev_match[gid] = rid
    out["fn"] = [g for g in range(len(gt)) if g not in matched_g]
    out["fp"] = [r for r in range(len(res)) if r not in matched_r]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Visualise FP / FN / IDSw of MOT results")
    parser.add_argument("--gt-root", required=True, help="folder of <seq>/{gt/gt.txt,img1/}")
    parser.add_argument("--results", required=True, help="folder of <seq>.txt results")
    parser.add_argument("--output-dir", required=True, help="output folder (a video per seq)")
    parser.add_argument("--fps", type=int, default=3)
    parser.add_argument("--show", action="store_true")
    parser.add_argument("--out-format", choices=["video", "images"], default="video")
    args = parser.parse_args(argv)
    from mmtrack.evaluation.functional import read_mot_txt

    seqs = sorted(
        f[:-4]
        for f in os.listdir(args.results)
        if f.endswith(".txt") and osp.isfile(osp.join(args.gt_root, f[:-4], "gt", "gt.txt"))
    )
    if not seqs:
        print("error: no result file matches a <gt-root>/<seq>/gt/gt.txt", file=sys.stderr)
        return 1
    os.makedirs(args.output_dir, exist_ok=True)
    totals = dict(tp=0, idsw=0, fn=0, fp=0)
    for seq in seqs:
        gt = read_mot_txt(osp.join(args.gt_root, seq, "gt", "gt.txt"), kind="gt")
        gt = gt[(gt[:, 6] > 0) & (gt[:, 7] == 1)]
        res = read_mot_txt(osp.join(args.results, seq + ".txt"), kind="result")
        img_dir = osp.join(args.gt_root, seq, "img1")
        frames = sorted(os.listdir(img_dir)) if osp.isdir(img_dir) else []
        writer, prev_match = None, {}
        tmp = osp.join(args.output_dir, f".tmp_{seq}.mp4")
        for n in range(1, int(max(gt[:, 0].max(initial=0), res[:, 0].max(initial=0))) + 1):
            g, r = gt[gt[:, 0] == n], res[res[:, 0] == n]
            kinds = classify_frame(g, r, prev_match)
            for k in totals:
                totals[k] += len(kinds[k])
            if n - 1 >= len(frames):
                continue
            img = cv2.imread(osp.join(img_dir, frames[n - 1]))
            for kind, idx in kinds.items():
                src = r if kind == "fp" else g
                for i in idx:
                    x, y, w, h = src[i, 2:6]
                    cv2.rectangle(img, (int(x), int(y)), (int(x + w), int(y + h)), COLORS[kind], 2)
            if args.out_format == "images":
                d = osp.join(args.output_dir, seq)
                os.makedirs(d, exist_ok=True)
                cv2.imwrite(osp.join(d, f"{n:06d}.jpg"), img)
            else:
                if writer is None:
                    writer = cv2.VideoWriter(
                        tmp, cv2.VideoWriter_fourcc(*"mp4v"), args.fps, (img.shape[1], img.shape[0])
                    )
                writer.write(img)
            if args.show:
                cv2.imshow(seq, img)
                cv2.waitKey(int(1000 / args.fps))
        if writer is not None:
            writer.release()
            os.replace(tmp, osp.join(args.output_dir, f"{seq}.mp4"))
    print(
        f"{len(seqs)} sequences: {totals['fp']} FP (red), {totals['fn']} FN (yellow), "
        f"{totals['idsw']} IDSw (blue), {totals['tp']} matches (green) -> {args.output_dir}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
