"""Write the info file of OTB-100 (one line per target) for ``OTB100Dataset``.

Usage::

    python tools/dataset_converters/otb100/gen_otb100_infos.py \
        -i ./data/otb100/data -o ./data/otb100/annotations

Input layout (after ``unzip_otb100.sh``): ``<input>/<Video>/img/0001.jpg`` and
``<input>/<Video>/groundtruth_rect[.k].txt``. Writes ``otb100_infos.txt``, one
line per box file (``Jogging`` and ``Skating2`` have two targets)::

    The format of each line in this txt is (video_path,annotation_path,start_frame_id,end_frame_id)
    Basketball/img,Basketball/groundtruth_rect.txt,1,725

Frames run from the first annotated frame (``David`` 300, ``BlurCar1`` 247,
``BlurCar3`` 3, ``BlurCar4`` 18, ``Tiger1`` 6 after its 5 skipped frames, else 1)
over as many frames as there are boxes.
"""

from __future__ import annotations

import argparse
import os.path as osp
import sys

from mmtrack.datasets.base_sot_dataset import write_info_file
from mmtrack.datasets.otb_dataset import list_otb_videos


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Generate the information of OTB100 dataset")
    parser.add_argument("-i", "--input", required=True, help="folder holding the OTB videos")
    parser.add_argument("-o", "--output", required=True, help="directory to save text file")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    infos = list_otb_videos(args.input)
    out_path = osp.join(args.output, "otb100_infos.txt")
    write_info_file(out_path, infos)
    frames = sum(i["end_frame_id"] - i["start_frame_id"] + 1 for i in infos)
    print(f"OTB100: {len(infos)} targets, {frames} frames -> {out_path}")


if __name__ == "__main__":
    main(sys.argv[1:])
