"""Train StrongSORT++'s AFLink link model on MOTChallenge ground truth (CPU).

The checkpoint (``{'state_dict': ..., 'meta': {...}}``) has the layout of
MMTracking 1.x's ``AFLinkModel`` and loads into
``AppearanceFreeLink(checkpoint=...)`` (e.g. in ``MOTChallengeMetric``'s
``postprocess_tracklet_cfg``) and ``postprocess_results.py --aflink``.

Example:
    python tools/analysis_tools/mot/train_aflink.py --gt-root data/MOT17/train \
        --gt-file gt/gt_half-train.txt --out checkpoints/aflink_mot17.pth
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
    """``{id: (n, 5) rows (frame, x1, y1, w, h)}`` of the pedestrians of a gt file.

    Boxes marked to be considered (column 7 > 0) of class 1 (pedestrian), by
    frame: the rows MMTracking 1.x's ``AppearanceFreeLink`` feeds its model.
    """
    from mmtrack.evaluation.functional import read_mot_txt

    g = read_mot_txt(path, kind="gt")
    g = g[(g[:, 6] > 0) & (g[:, 7] == 1)]
    tracks = {}
    for k in np.unique(g[:, 1]).astype(int):
        r = g[g[:, 1] == k]
        tracks[k] = r[np.argsort(r[:, 0], kind="stable")][:, [0, 2, 3, 4, 5]]
    return tracks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Train AFLink on MOTChallenge gt")
    parser.add_argument("--gt-root", required=True, help="folder of <seq>/<gt-file>")
    parser.add_argument("--gt-file", default="gt/gt.txt", help="gt file inside each sequence")
    parser.add_argument("--out", required=True, help="output checkpoint (.pth)")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=16, help="trajectories per step")
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--val-fraction", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    from mmtrack.models.task_modules.track import train_aflink

    seqs = sorted(
        d for d in os.listdir(args.gt_root) if osp.isfile(osp.join(args.gt_root, d, args.gt_file))
    )
    if not seqs:
        print(f"error: no <seq>/{args.gt_file} under {args.gt_root}", file=sys.stderr)
        return 1
    gts = [load_gt_tracks(osp.join(args.gt_root, s, args.gt_file)) for s in seqs]
    model, acc = train_aflink(
        gts,
        epochs=args.epochs,
        lr=args.lr,
        batch_size=args.batch_size,
        val_fraction=args.val_fraction,
        seed=args.seed,
    )
    out_dir = osp.dirname(osp.abspath(args.out))
    os.makedirs(out_dir, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out_dir, suffix=".pth")
    os.close(fd)
    meta = dict(val_accuracy=acc, sequences=seqs, epochs=args.epochs, seed=args.seed)
    try:
        torch.save({"state_dict": model.state_dict(), "meta": meta}, tmp)
        os.replace(tmp, args.out)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise
    print(
        f"AFLink trained on {len(seqs)} sequences: held-out pair accuracy {acc:.3f} -> {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
