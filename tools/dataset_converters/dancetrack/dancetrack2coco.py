"""Convert DanceTrack labels to CocoVID.

Usage (as in MMTracking)::

    python tools/dataset_converters/dancetrack/dancetrack2coco.py -i ./data/DanceTrack \
        -o ./data/DanceTrack/annotations

DanceTrack uses the MOTChallenge layout (``<input>/{train,val,test}/<video>/{seqinfo.ini,
img1/, gt/gt.txt}``); it writes ``{train,val,test}_cocoformat.json`` with the same
fields as ``mot2coco.py`` (pedestrians only, ``frame_id`` from 0, ``instance_id``
re-indexed from 0 per file). ``test`` has no gt. Missing split folders are
skipped; all outputs are written together, or none on error.
"""

from __future__ import annotations

import argparse
import os.path as osp
import sys
from typing import Optional

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from convert_utils import AtomicOutputs, ConversionError, load_sibling, run_main  # noqa: E402


def parse_args(argv: Optional[list[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Convert DanceTrack label and detections to COCO-VID format.')
    parser.add_argument('-i', '--input', required=True, help='path of DanceTrack data')
    parser.add_argument('-o', '--output', required=True,
                        help='path to save coco formatted label file')
    return parser.parse_args(argv)


def main(argv: Optional[list[str]] = None) -> None:
    args = parse_args(argv)
    mot2coco = load_sibling('mot/mot2coco.py')
    results = []
    with AtomicOutputs() as out:
        for subset in ('train', 'val', 'test'):
            in_folder = osp.join(args.input, subset)
            if not osp.isdir(in_folder):
                print(f'Skip {subset}: {in_folder} does not exist')
                continue
            print(f'Converting {subset} set to COCO format')
            outputs, _ = mot2coco.convert_subset(in_folder, subset, False, False, out)
            out_file = osp.join(args.output, f'{subset}_cocoformat.json')
            out.write_json(out_file, outputs)
            results.append((subset, outputs, out_file))
        if not results:
            raise ConversionError(f'{args.input}: none of train, val, test found')
    for subset, outputs, out_file in results:
        print(f'{subset}: {len(outputs["videos"])} videos, {len(outputs["images"])} images, '
              f'{outputs["num_instances"]} instances, {len(outputs["annotations"])} boxes. '
              f'Saved as {out_file}')


if __name__ == '__main__':
    run_main(main)
