"""Train the AFLink tracklet-link model on MOTChallenge ground truth (CPU, seconds).

Example:
    python tools/analysis_tools/mot/train_aflink.py --gt-root data/MOT17/train \
        --out work_dirs/aflink.pth
"""

from __future__ import annotations

import argparse
import os
import os.path as osp
import sys
import tempfile

import numpy as np
import torch


def load_gt_tracks(path: str) -> dict[int, np.ndarray]:
    """``{id: (n, 5) rows (frame, x1, y1, x2, y2)}`` of the pedestrians of a gt file."""
    from mmtrack.evaluation.functional import read_mot_txt

    g = read_mot_txt(path, kind="gt")
    g = g[(g[:, 6] > 0) & (g[:, 7] == 1)] if g.shape[1] >= 8 else g
    tracks = {}
    for k in np.unique(g[:, 1]).astype(int):
        r = g[g[:, 1] == k]
        r = r[np.argsort(r[:, 0])]
        tracks[k] = np.stack([r[:, 0], r[:, 2], r[:, 3], r[:, 2] + r[:, 4], r[:, 3] + r[:, 5]], 1)
    return tracks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Train AFLink on MOTChallenge gt")
    parser.add_argument("--gt-root", required=True, help="folder of <seq>/gt/gt.txt")
    parser.add_argument("--out", required=True, help="output checkpoint (.pth)")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    from mmtrack.models.task_modules.track import train_aflink

    seqs = sorted(
        d for d in os.listdir(args.gt_root) if osp.isfile(osp.join(args.gt_root, d, "gt", "gt.txt"))
    )
    if not seqs:
        print(f"error: no <seq>/gt/gt.txt under {args.gt_root}", file=sys.stderr)
        return 1
    gts = [load_gt_tracks(osp.join(args.gt_root, s, "gt", "gt.txt")) for s in seqs]
    model, acc = train_aflink(gts, epochs=args.epochs, seed=args.seed)
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=osp.dirname(osp.abspath(args.out)), suffix=".pth")
    os.close(fd)
    torch.save({"state_dict": model.state_dict(), "meta": {"val_accuracy": acc}}, tmp)
    os.replace(tmp, args.out)
    print(
        f"AFLink trained on {len(seqs)} sequences: held-out pair accuracy {acc:.3f} -> {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
