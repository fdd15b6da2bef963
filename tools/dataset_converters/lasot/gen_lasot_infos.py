"""Write the info files of LaSOT (one line per video) for ``LaSOTDataset``.

Usage (as in MMTracking 0.14)::

    python tools/dataset_converters/lasot/gen_lasot_infos.py \
        -i ./data/lasot/LaSOTBenchmark -o ./data/lasot/annotations [--split {train,test,all}]

Input layout: ``<input>/<class>/<class>-<k>/{img/00000001.jpg, groundtruth.txt,
full_occlusion.txt, out_of_view.txt}``. Writes ``lasot_{split}_infos.txt``::

    The format of each line in this txt is (video_path,annotation_path,start_frame_id,end_frame_id)
    airplane/airplane-1/img,airplane/airplane-1/groundtruth.txt,1,1400

The test split is the 280 videos named in the official ``testing_set.txt`` of the
LaSOT toolkit (one video name per line), given with ``--test-list`` or found next
to this script or in the input folder; train is every other video.
"""

from __future__ import annotations

import argparse
import os.path as osp
import sys

from mmtrack.datasets.base_sot_dataset import check_box_file, read_text_lines, write_info_files
from mmtrack.datasets.lasot_dataset import list_lasot_videos


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Generate the information of LaSOT dataset")
    parser.add_argument("-i", "--input", required=True, help="root directory of LaSOT dataset")
    parser.add_argument("-o", "--output", required=True, help="directory to save text file")
    parser.add_argument(
        "--split",
        choices=["train", "test", "all"],
        default="all",
        help="the split set of LaSOT, 'all' denotes the whole dataset",
    )
    parser.add_argument(
        "--test-list",
        default=None,
        help="testing_set.txt of the LaSOT toolkit (default: next to this script or in --input)",
    )
    return parser.parse_args(argv)


def find_test_list(data_root: str, test_list: str | None) -> str:
    """Path of the LaSOT ``testing_set.txt``."""
    candidates = (
        [test_list]
        if test_list
        else [osp.join(osp.dirname(osp.abspath(__file__)), "testing_set.txt"),
              osp.join(data_root, "testing_set.txt")]
    )  # fmt: skip
    for path in candidates:
        if osp.isfile(path):
            return path
    raise FileNotFoundError(
        f"LaSOT testing_set.txt not found (looked at {', '.join(candidates)}); pass the file "
        "of the LaSOT toolkit, one test video name per line, with --test-list"
    )


def gen_data_infos(data_root: str, split: str, test_list: str | None) -> list[dict]:
    """The checked video records of one split (``groundtruth.txt`` validated)."""
    path = find_test_list(data_root, test_list)
    test_videos = sorted({n.strip() for n in read_text_lines(path, "LaSOT test list") if n.strip()})
    if split == "test":
        infos = list_lasot_videos(data_root, test_videos)
    else:
        test_set = set(test_videos)
        infos = [
            info
            for info in list_lasot_videos(data_root)
            if osp.basename(osp.dirname(info["video_path"])) not in test_set
        ]
    for info in infos:
        num_frames = info["end_frame_id"] - info["start_frame_id"] + 1
        check_box_file(osp.join(data_root, info["ann_path"]), num_frames)
    return infos


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    splits = ["train", "test"] if args.split == "all" else [args.split]
    # every split is listed and checked before any file is written
    outputs = [
        (osp.join(args.output, f"lasot_{split}_infos.txt"),
         gen_data_infos(args.input, split, args.test_list))
        for split in splits
    ]  # fmt: skip
    write_info_files(outputs)
    for (out_path, infos), split in zip(outputs, splits):
        frames = sum(i["end_frame_id"] - i["start_frame_id"] + 1 for i in infos)
        print(f"LaSOT {split}: {len(infos)} videos, {frames} frames -> {out_path}")


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
