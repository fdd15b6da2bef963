"""Write the info files of TrackingNet (one line per video) for ``TrackingNetDataset``.

Usage (as in MMTracking 0.14)::

    python tools/dataset_converters/trackingnet/gen_trackingnet_infos.py \
        -i ./data/trackingnet -o ./data/trackingnet/annotations \
        [--split {train,test,all}] [--chunks 0 1 2 ...]

Input layout (after ``unzip_trackingnet.sh``): ``<input>/<chunk>/frames/<video>/0.jpg``
and ``<input>/<chunk>/anno/<video>.txt`` for the chunks ``TRAIN_0`` ... ``TRAIN_11``
and ``TEST``. Writes ``trackingnet_{split}_infos.txt`` (frames are numbered from 0)::

    The format of each line in this txt is (video_path,annotation_path,start_frame_id,end_frame_id)
    TRAIN_0/frames/-3TIfnTSM6c_2,TRAIN_0/anno/-3TIfnTSM6c_2.txt,0,89
"""

from __future__ import annotations

import argparse
import os.path as osp
import sys

from mmtrack.datasets.base_sot_dataset import write_info_file
from mmtrack.datasets.trackingnet_dataset import list_trackingnet_videos, trackingnet_chunks


def _chunk(value: str) -> int | str:
    return value if value == "all" else int(value)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Generate the information of TrackingNet dataset")
    parser.add_argument("-i", "--input", required=True, help="root directory of TrackingNet")
    parser.add_argument("-o", "--output", required=True, help="directory to save text file")
    parser.add_argument(
        "--split",
        choices=["train", "test", "all"],
        default="all",
        help="the split set of TrackingNet, 'all' denotes the whole dataset",
    )
    parser.add_argument(
        "--chunks",
        nargs="+",
        type=_chunk,
        default=["all"],
        help="the chunks of train set of TrackingNet (0..11 or all)",
    )
    return parser.parse_args(argv)


def gen_data_infos(data_root: str, save_dir: str, split: str, chunks: list) -> str:
    """Write ``trackingnet_{split}_infos.txt`` and return its path."""
    chunk_names = ["TEST"] if split == "test" else trackingnet_chunks(chunks)
    infos = list_trackingnet_videos(data_root, chunk_names)
    out_path = osp.join(save_dir, f"trackingnet_{split}_infos.txt")
    write_info_file(out_path, infos)
    frames = sum(i["end_frame_id"] - i["start_frame_id"] + 1 for i in infos)
    print(f"TrackingNet {split}: {len(infos)} videos, {frames} frames -> {out_path}")
    return out_path


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    trackingnet_chunks(args.chunks)  # validate before writing anything
    splits = ["train", "test"] if args.split == "all" else [args.split]
    for split in splits:
        gen_data_infos(args.input, args.output, split, args.chunks)


if __name__ == "__main__":
    main(sys.argv[1:])
