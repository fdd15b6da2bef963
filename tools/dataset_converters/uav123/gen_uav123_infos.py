"""Write the info file of UAV123 (one line per sequence) for ``UAV123Dataset``.

Usage::

    python tools/dataset_converters/uav123/gen_uav123_infos.py \
        -i ./data/UAV123 -o ./data/UAV123/annotations

Input layout: ``<input>/data_seq/UAV123/<video>/000001.jpg`` and
``<input>/anno/UAV123/<sequence>.txt``. Writes ``uav123_infos.txt``::

    The format of each line in this txt is (video_path,annotation_path,start_frame_id,end_frame_id)
    data_seq/UAV123/bird1,anno/UAV123/bird1_2.txt,775,1477

A sequence ``<video>_<k>`` without its own folder is part ``k`` of ``<video>``;
its first frame comes from the benchmark's sequence configuration.
"""

from __future__ import annotations

import argparse
import os.path as osp
import sys

from mmtrack.datasets.base_sot_dataset import write_info_file
from mmtrack.datasets.uav123_dataset import list_uav123_videos


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Generate the information of UAV123 dataset")
    parser.add_argument("-i", "--input", required=True, help="root directory of UAV123")
    parser.add_argument("-o", "--output", required=True, help="directory to save text file")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    infos = list_uav123_videos(args.input)
    out_path = osp.join(args.output, "uav123_infos.txt")
    write_info_file(out_path, infos)
    frames = sum(i["end_frame_id"] - i["start_frame_id"] + 1 for i in infos)
    print(f"UAV123: {len(infos)} sequences, {frames} frames -> {out_path}")


if __name__ == "__main__":
    main(sys.argv[1:])
