"""Cut person crops from MOTChallenge training videos into a ReID data set.

Usage (as in MMTracking)::

    python tools/dataset_converters/mot/mot2reid.py -i ./data/MOT17/ \
        -o ./data/MOT17/reid --val-split 0.2 --vis-threshold 0.3

Output (``-o`` must be absent or empty; it is built in a temporary folder and
renamed when complete)::

    imgs/<video>_<mot id:06d>/<k:06d>.jpg   k-th crop of that person, by frame order
    meta/train_<round(100 * (1 - val_split))>.txt  '<folder>/<img> <label>' lines
    meta/val_<round(100 * val_split)>.txt
    meta/train.txt                          both lists, val labels after train labels

As MMTracking 0.14: only pedestrians (class 1) with ``visibility >=
vis_threshold`` are cropped (MOT15: all rows, visibility 1); for MOT17 only the
``-FRCNN`` copies of each video are used; identities are sorted by folder name
and the first ``int(num_ids * (1 - val_split))`` go to train, the rest to val;
identities with fewer than ``min_per_person`` crops are dropped, those with more
than ``max_per_person`` are subsampled (seeded, reproducible); labels are
contiguous from 0 in each list. Crops are ``img[y1:y2, x1:x2]`` of the box
rounded to integers and clipped to the image (boxes fully outside are skipped).
"""

from __future__ import annotations

import argparse
import os
import os.path as osp
import random
import shutil
import sys
from collections import defaultdict
from typing import Optional

import cv2

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from convert_utils import (  # noqa: E402
    ConversionError,
    fresh_tmp_dir,
    load_sibling,
    publish_dir,
    run_main,
)


def parse_args(argv: Optional[list[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Convert MOT dataset into ReID dataset.')
    parser.add_argument('-i', '--input', required=True, help='path of MOT data')
    parser.add_argument('-o', '--output', required=True, help='path to save ReID dataset')
    parser.add_argument('--val-split', type=float, default=0.2,
                        help='proportion of the validation dataset to the whole ReID dataset')
    parser.add_argument('--vis-threshold', type=float, default=0.3,
                        help='threshold of visibility for each person')
    parser.add_argument('--min-per-person', type=int, default=8,
                        help='minimum number of images for each person')
    parser.add_argument('--max-per-person', type=int, default=1000,
                        help='maxmum number of images for each person')
    return parser.parse_args(argv)


def _crop_box(bbox: list[float], width: int, height: int) -> Optional[tuple[int, int, int, int]]:
    """Round an ``[x, y, w, h]`` box to integer ``x1, y1, x2, y2`` inside the image."""
    x, y, w, h = bbox
    x1, y1 = max(0, int(round(x))), max(0, int(round(y)))
    x2, y2 = min(width, int(round(x + w))), min(height, int(round(y + h)))
    if x2 <= x1 or y2 <= y1:
        return None
    return x1, y1, x2, y2


def cut_crops(video_folder: str, is_mot15: bool, vis_threshold: float, img_root: str) -> int:
    """Write the crops of one video into ``img_root``; return how many."""
    mot2coco = load_sibling('mot/mot2coco.py')
    reader = mot2coco._VideoReader(video_folder, parse_gt=True, parse_det=False,
                                   is_mot15=is_mot15)
    width, height = reader.info['imWidth'], reader.info['imHeight']
    # per identity, crops in frame order: (frame, box)
    per_person: dict[int, list[tuple[int, tuple[int, int, int, int]]]] = defaultdict(list)
    for frame in sorted(reader.gts):
        for ann in reader.gts[frame]:
            if ann['visibility'] < vis_threshold:
                continue
            box = _crop_box(ann['bbox'], width, height)
            if box is not None:
                per_person[ann['mot_instance_id']].append((frame, box))
    jobs: dict[int, list[tuple[str, tuple[int, int, int, int]]]] = defaultdict(list)
    for ins_id, crops in per_person.items():
        folder = osp.join(img_root, f'{reader.name}_{ins_id:06d}')
        os.makedirs(folder)
        for k, (frame, box) in enumerate(sorted(crops, key=lambda c: c[0])):
            jobs[frame].append((osp.join(folder, f'{k:06d}.jpg'), box))
    img_dir = osp.join(video_folder, reader.info['imDir'])
    name_of = dict(zip(reader.frame_ids, reader.img_names))
    for frame in sorted(jobs):
        path = osp.join(img_dir, name_of[frame])
        img = cv2.imread(path)
        if img is None:
            raise ConversionError(f'{path}: cannot read image')
        for out_path, (x1, y1, x2, y2) in jobs[frame]:
            if not cv2.imwrite(out_path, img[y1:y2, x1:x2]):
                raise OSError(f'{out_path}: cannot write image')
    return sum(len(v) for v in jobs.values())


def build_lists(img_root: str, val_split: float, min_per_person: int,
                max_per_person: int) -> tuple[list[str], list[str], list[str], int, int]:
    """Split identities into train and val and label them.

    Returns:
        tuple: train lines, val lines, all lines, number of train and val ids.
    """
    names = sorted(os.listdir(img_root))
    num_train_ids = int(len(names) * (1 - val_split) + 1e-9)
    rng = random.Random(0)
    lists: tuple[list[str], list[str]] = ([], [])
    labels = [0, 0]
    entire = []
    for part, folders in enumerate((names[:num_train_ids], names[num_train_ids:])):
        for folder in folders:
            imgs = sorted(os.listdir(osp.join(img_root, folder)))
            if len(imgs) < min_per_person:
                continue
            if len(imgs) > max_per_person:
                imgs = sorted(rng.sample(imgs, max_per_person))
            for img in imgs:
                lists[part].append(f'{folder}/{img} {labels[part]}')
                # in the entire list, val labels continue after the train labels
                offset = labels[0] if part == 1 else 0
                entire.append(f'{folder}/{img} {offset + labels[part]}')
            labels[part] += 1
    return lists[0], lists[1], entire, labels[0], labels[1]


def main(argv: Optional[list[str]] = None) -> None:
    args = parse_args(argv)
    if not 0 <= args.val_split < 1:
        raise ConversionError(f'--val-split must be in [0, 1), got {args.val_split}')
    in_folder = osp.join(args.input, 'train')
    if not osp.isdir(in_folder):
        raise ConversionError(f'{in_folder}: folder not found')
    if osp.isdir(args.output) and os.listdir(args.output):
        raise ConversionError(f'{args.output}: output directory must be empty')
    video_names = sorted(n for n in os.listdir(in_folder)
                         if osp.isdir(osp.join(in_folder, n)) and not n.startswith('.'))
    if 'MOT17' in osp.abspath(in_folder):
        video_names = [n for n in video_names if 'FRCNN' in n]
    if not video_names:
        raise ConversionError(f'{in_folder}: no video folders found')
    is_mot15 = 'MOT15' in osp.abspath(in_folder)
    tmp = fresh_tmp_dir(args.output)
    try:
        img_root = osp.join(tmp, 'imgs')
        os.makedirs(img_root)
        num_crops = 0
        for name in video_names:
            num_crops += cut_crops(osp.join(in_folder, name), is_mot15, args.vis_threshold,
                                   img_root)
        train, val, entire, n_train, n_val = build_lists(img_root, args.val_split,
                                                         args.min_per_person,
                                                         args.max_per_person)
        meta = osp.join(tmp, 'meta')
        os.makedirs(meta)
        files = {
            f'train_{round(100 * (1 - args.val_split))}.txt': train,
            f'val_{round(100 * args.val_split)}.txt': val,
            'train.txt': entire
        }
        for fname, lines in files.items():
            with open(osp.join(meta, fname), 'w') as f:
                f.writelines(f'{line}\n' for line in lines)
        publish_dir(tmp, args.output)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    print(f'{len(video_names)} videos, {num_crops} crops of '
          f'{len(os.listdir(osp.join(args.output, "imgs")))} persons; train: {n_train} ids, '
          f'{len(train)} images; val: {n_val} ids, {len(val)} images. Saved in {args.output}')


if __name__ == '__main__':
    run_main(main)
