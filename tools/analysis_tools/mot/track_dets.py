"""Track MOTChallenge detection files with a motion-only tracker (no images, no detector).

Example:
    python tools/analysis_tools/mot/track_dets.py \
        configs/mot/bytetrack/bytetrack_yolox_x_crowdhuman_mot17-private-half.py \
        --dets data/MOT17/dets --out work_dirs/bytetrack_txt
"""

from __future__ import annotations

import argparse
import sys

from mmengine.config import DictAction


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Track detection files (MOTChallenge rows)")
    parser.add_argument("config", help="MOT config whose model.tracker is used")
    parser.add_argument("--dets", required=True, help="folder of <seq>.txt detection files")
    parser.add_argument("--out", required=True, help="folder for <seq>.txt result files")
    parser.add_argument(
        "--cfg-options", nargs="+", action=DictAction, help="override config settings"
    )
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    from mmtrack.apis import track_detection_files
    from mmtrack.utils import register_all_modules

    register_all_modules()
    try:
        stats = track_detection_files(args.config, args.dets, args.out, args.cfg_options)
    except (FileNotFoundError, ValueError, KeyError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(
        f"tracked {stats['num_seqs']} sequences, {stats['num_frames']} frames -> {args.out}\n"
        f"{stats['fps']:.1f} frames/s (tracking loop, detections in memory)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
