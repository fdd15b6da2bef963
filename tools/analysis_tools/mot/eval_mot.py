"""Evaluate MOTChallenge result files with TrackEval (HOTA, CLEAR, Identity).

Layout::

    <gt-root>/<seq>/gt/gt.txt        ground truth (MOTChallenge format)
    <gt-root>/<seq>/seqinfo.ini      sequence length
    <results>/<seq>.txt              tracker output, one file per sequence

Every sequence of ``--gt-root`` that has a gt file is evaluated and needs a
result file. Files are checked first; a malformed line stops the run with a
message naming the file and line.

Example::

    python tools/analysis_tools/mot/eval_mot.py \\
        --gt-root data/MOT17/train --results work_dirs/bytetrack/results \\
        --benchmark MOT17 --json work_dirs/bytetrack/mot17_metrics.json
"""

from __future__ import annotations

import argparse
import json
import os
import os.path as osp
import sys
import tempfile
from typing import Optional, Sequence

from mmtrack.evaluation.functional import (
    MOT_BENCHMARKS,
    MOT_METRICS,
    MOTFileError,
    evaluate_mot,
    format_table,
    read_mot_txt,
    read_seqinfo,
)

#: Keys written to the ``--json`` file (those of the metric families run).
JSON_KEYS = ("HOTA", "MOTA", "IDF1", "IDSw", "FP", "FN")
TABLE_KEYS = (
    "HOTA",
    "DetA",
    "AssA",
    "LocA",
    "MOTA",
    "MOTP",
    "IDF1",
    "IDP",
    "IDR",
    "IDSw",
    "FP",
    "FN",
    "MT",
    "ML",
    "Frag",
)


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Evaluate MOTChallenge result files (HOTA/CLEAR/Identity via TrackEval)"
    )
    parser.add_argument("--gt-root", required=True, help="folder of <seq>/gt/gt.txt + seqinfo.ini")
    parser.add_argument("--results", required=True, help="folder of <seq>.txt result files")
    parser.add_argument(
        "--benchmark",
        default="MOT17",
        choices=MOT_BENCHMARKS,
        help="MOTChallenge preprocessing rules (MOT15: none; MOT20: more distractors)",
    )
    parser.add_argument("--json", default=None, help="write per-sequence and COMBINED numbers")
    parser.add_argument(
        "--gt-file",
        default=osp.join("gt", "gt.txt"),
        help="gt path inside a sequence folder, e.g. gt/gt_half-val.txt",
    )
    parser.add_argument(
        "--metrics", nargs="+", default=list(MOT_METRICS), choices=MOT_METRICS, help="families"
    )
    parser.add_argument("--seqs", nargs="+", default=None, help="only these sequences")
    parser.add_argument(
        "--iou-thr", type=float, default=0.5, help="IoU threshold of CLEAR/Identity matching"
    )
    return parser.parse_args(argv)


def find_sequences(gt_root: str, gt_file: str) -> list[str]:
    """Sorted names of the folders of ``gt_root`` that contain ``gt_file``."""
    if not osp.isdir(gt_root):
        raise FileNotFoundError(f"--gt-root {gt_root} is not a folder")
    seqs = sorted(d for d in os.listdir(gt_root) if osp.isfile(osp.join(gt_root, d, gt_file)))
    if not seqs:
        raise FileNotFoundError(f"no <seq>/{gt_file} under {gt_root}")
    return seqs


def load(args: argparse.Namespace) -> tuple[dict, dict, dict]:
    """Read and check the gt, result and seqinfo files of every sequence."""
    seqs = args.seqs or find_sequences(args.gt_root, args.gt_file)
    gts, results, lengths = {}, {}, {}
    for seq in seqs:
        seq_dir = osp.join(args.gt_root, seq)
        length = read_seqinfo(osp.join(seq_dir, "seqinfo.ini"))["seqLength"]
        gts[seq] = read_mot_txt(
            osp.join(seq_dir, args.gt_file),
            "gt",
            length,
            check_gt_classes=args.benchmark != "MOT15",
        )
        res_file = osp.join(args.results, f"{seq}.txt")
        if not osp.isfile(res_file):
            raise MOTFileError(f"{res_file}: result file of sequence {seq} not found")
        results[seq] = read_mot_txt(res_file, "result", length)
        lengths[seq] = length
    return gts, results, lengths


def to_json(summaries: dict) -> dict:
    """The ``--json`` content: per sequence (and COMBINED) the :data:`JSON_KEYS`."""
    return {
        seq: {k: summary[k] for k in JSON_KEYS if k in summary}
        for seq, summary in summaries.items()
    }


def check_writable(path: str) -> None:
    """Fail before any work when ``--json`` cannot be written.

    Raises:
        OSError: ``path`` is a folder, an existing file that is not writable,
            or under something that is not a writable folder.
    """
    full = osp.abspath(path)
    if osp.isdir(full):
        raise OSError(f"--json {path}: is a folder, not a file name")
    if osp.exists(full):
        if not os.access(full, os.W_OK):
            raise OSError(f"--json {path}: the file exists and is not writable")
        return
    parent = osp.dirname(full)
    while not osp.exists(parent):  # the first existing folder above it is created from
        parent = osp.dirname(parent)
    if not osp.isdir(parent):
        raise OSError(f"--json {path}: {parent} is a file, not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OSError(f"--json {path}: folder {parent} is not writable")


def write_json(path: str, data: dict) -> None:
    directory = osp.dirname(osp.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp_", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=2)
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    try:
        if args.json:
            check_writable(args.json)
        gts, results, lengths = load(args)
        summaries = evaluate_mot(
            gts,
            results,
            lengths,
            benchmark=args.benchmark,
            metrics=args.metrics,
            iou_threshold=args.iou_thr,
        )
    except (MOTFileError, OSError, ValueError) as e:
        print(f"eval_mot.py: error: {e}", file=sys.stderr)
        return 1
    keys = [k for k in TABLE_KEYS if k in summaries["COMBINED"]]
    rows = [[seq] + [summaries[seq][k] for k in keys] for seq in summaries]
    print(
        format_table(
            ["seq", *keys],
            rows,
            title=f"{args.benchmark}: {len(gts)} sequence(s), TrackEval, rates in %",
        )
    )
    if args.json:
        try:
            write_json(args.json, to_json(summaries))
        except OSError as e:
            print(f"eval_mot.py: error: --json {args.json}: cannot write: {e}", file=sys.stderr)
            return 1
        print(f"metrics written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
