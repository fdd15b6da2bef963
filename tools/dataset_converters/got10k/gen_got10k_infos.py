"""Write the info files of GOT-10k (one line per video) for ``GOT10kDataset``.

Usage (as in MMTracking 0.14)::

    python tools/dataset_converters/got10k/gen_got10k_infos.py \
        -i ./data/got10k -o ./data/got10k/annotations \
        [--split {train,test,val,train_vot,val_vot,all}]

Input layout (after ``unzip_got10k.sh``): ``<input>/{train,val,test}/list.txt`` and
``<input>/<split>/<video>/{00000001.jpg, groundtruth.txt, absence.label,
cover.label}``. ``train_vot``/``val_vot`` are the parts of train that the VOT
challenge permits, given as 0-based indices into the train videos in
``<input>/train/got10k_vot_train_split.txt`` / ``got10k_vot_val_split.txt``.
Writes ``got10k_{split}_infos.txt``::

    The format of each line in this txt is (video_path,annotation_path,start_frame_id,end_frame_id)
    train/GOT-10k_Train_000001,train/GOT-10k_Train_000001/groundtruth.txt,1,120
"""

from __future__ import annotations

import argparse
import os.path as osp
import sys

from mmtrack.datasets.base_sot_dataset import check_box_file, write_info_files
from mmtrack.datasets.got10k_dataset import GOT10K_SPLITS, list_got10k_videos


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Generate the information of GOT10k dataset")
    parser.add_argument("-i", "--input", required=True, help="root directory of GOT10k dataset")
    parser.add_argument("-o", "--output", required=True, help="directory to save text file")
    parser.add_argument(
        "--split",
        choices=[*GOT10K_SPLITS, "all"],
        default="all",
        help="the split set of GOT10k, 'all' denotes the whole dataset",
    )
    return parser.parse_args(argv)


def gen_data_infos(data_root: str, split: str) -> list[dict]:
    """The checked video records of one split (``groundtruth.txt`` validated)."""
    infos = list_got10k_videos(data_root, split)
    for info in infos:
        num_frames = info["end_frame_id"] - info["start_frame_id"] + 1
        # the test split gives the first frame's box only
        check_box_file(osp.join(data_root, info["ann_path"]), num_frames,
                       first_frame_only_ok=split == "test")
    return infos


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    splits = (
        ["train", "test", "val", "train_vot", "val_vot"] if args.split == "all" else [args.split]
    )
    # every split is listed and checked before any file is written
    outputs = [
        (osp.join(args.output, f"got10k_{split}_infos.txt"), gen_data_infos(args.input, split))
        for split in splits
    ]
    write_info_files(outputs)
    for (out_path, infos), split in zip(outputs, splits):
        frames = sum(i["end_frame_id"] - i["start_frame_id"] + 1 for i in infos)
        print(f"GOT-10k {split}: {len(infos)} videos, {frames} frames -> {out_path}")


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
