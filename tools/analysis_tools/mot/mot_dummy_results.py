"""Write empty MOTChallenge result files for every video of a CocoVID annotation file.

The MOTChallenge server wants a file for every test video; this fills the
videos a run did not produce (as MMTracking 0.14's tool).

Example:
    python tools/analysis_tools/mot/mot_dummy_results.py \
        --json-file data/MOT17/annotations/test_cocoformat.json --out-folder results/
"""

from __future__ import annotations

import argparse
import json
import os
import os.path as osp
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Empty result files for missing videos")
    parser.add_argument("--json-file", required=True, help="CocoVID annotation file")
    parser.add_argument("--out-folder", required=True, help="folder of <video>.txt results")
    args = parser.parse_args(argv)
    try:
        with open(args.json_file) as f:
            videos = json.load(f)["videos"]
        names = [v["name"] for v in videos]
    except (OSError, json.JSONDecodeError, KeyError, TypeError) as e:
        print(f"error: {args.json_file}: cannot read 'videos[].name' ({e})", file=sys.stderr)
        return 1
    os.makedirs(args.out_folder, exist_ok=True)
    made = 0
    for name in names:
        path = osp.join(args.out_folder, f"{name}.txt")
        if not osp.exists(path):
            open(path, "w").close()
            made += 1
    print(f"{made} empty result files written, {len(names) - made} already present")
    return 0


if __name__ == "__main__":
    sys.exit(main())
