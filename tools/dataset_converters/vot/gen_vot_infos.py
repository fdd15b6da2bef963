"""Write the info file of a VOT data set (one line per sequence) for ``VOTDataset``.

Usage (as in MMTracking 0.14)::

    python tools/dataset_converters/vot/gen_vot_infos.py \
        -i ./data/vot2018 -o ./data/vot2018/annotations --dataset_type vot2018

Input layout: ``<input>/data/<video>/{color/00000001.jpg, groundtruth.txt}``.
Writes ``{dataset_type}_infos.txt``::

    The format of each line in this txt is (video_path,annotation_path,start_frame_id,end_frame_id)
    data/ants1/color,data/ants1/groundtruth.txt,1,325
"""

from __future__ import annotations

import argparse
import os.path as osp
import sys

from mmtrack.datasets.base_sot_dataset import write_info_file
from mmtrack.datasets.vot_dataset import VOT_DATASET_TYPES, list_vot_videos


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Generate the information of VOT dataset")
    parser.add_argument("-i", "--input", required=True, help="root directory of VOT dataset")
    parser.add_argument("-o", "--output", required=True, help="directory to save text file")
    parser.add_argument(
        "--dataset_type",
        default="vot2018",
        choices=VOT_DATASET_TYPES,
        help="the type of vot challenge",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    infos = list_vot_videos(args.input)
    out_path = osp.join(args.output, f"{args.dataset_type}_infos.txt")
    write_info_file(out_path, infos)
    frames = sum(i["end_frame_id"] - i["start_frame_id"] + 1 for i in infos)
    print(f"{args.dataset_type}: {len(infos)} sequences, {frames} frames -> {out_path}")


if __name__ == "__main__":
    main(sys.argv[1:])
