"""Convert ImageNet DET annotations to COCO json with 30 + 1 classes.

Usage (as in MMTracking)::

    python tools/dataset_converters/ilsvrc/imagenet2coco_det.py -i ./data/ILSVRC \
        -o ./data/ILSVRC/annotations

Writes ``imagenet_det_30plus1cls.json``: categories 1..30 are the ImageNet VID
classes (``{id, name, encode_name}``) and 31 is ``other_categories`` (every other
DET class; MMTracking 0.14 spells it ``other_categeries``). First come the images
of ``Lists/DET_train_30classes.txt`` (``<image> <label>`` lines) with
``is_vid_train_frame=True``, then every other image with an XML under
``Annotations/DET/train/{ILSVRC2013_train/*, ILSVRC2014_train_000[0-6]}`` with
``False``. Images ``{file_name='<train/...>.JPEG', height, width, id,
is_vid_train_frame}``, annotations ``{id, image_id, category_id, bbox [x1, y1, x2 - x1,
y2 - y1], area, iscrowd=False}``. When ``Data/DET`` exists, listed images must exist.
"""

from __future__ import annotations

import argparse
import glob
import os.path as osp
import sys
from typing import Any, Optional

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from convert_utils import (  # noqa: E402
    AtomicOutputs,
    ConversionError,
    load_sibling,
    read_lines,
    run_main,
)

utils = load_sibling('ilsvrc/imagenet_utils.py')

DET_SUBSETS = ('train/ILSVRC2013_train', 'train/ILSVRC2014_train_0000',
               'train/ILSVRC2014_train_0001', 'train/ILSVRC2014_train_0002',
               'train/ILSVRC2014_train_0003', 'train/ILSVRC2014_train_0004',
               'train/ILSVRC2014_train_0005', 'train/ILSVRC2014_train_0006')
OTHER_ID = len(utils.VID_CLASSES) + 1


def parse_args(argv: Optional[list[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='ImageNet DET to COCO Video format')
    parser.add_argument('-i', '--input', required=True,
                        help='root directory of ImageNet DET annotations')
    parser.add_argument('-o', '--output', required=True,
                        help='directory to save coco formatted label file')
    return parser.parse_args(argv)


def convert_det(root: str) -> tuple[dict[str, Any], dict[str, int]]:
    """Convert ImageNet DET train; return the COCO dict and counts."""
    categories = [
        dict(id=i, name=n, encode_name=w)
        for i, (n, w) in enumerate(zip(utils.VID_CLASSES, utils.VID_CLASS_WNIDS), 1)
    ]
    categories.append(dict(id=OTHER_ID, name='other_categories', encode_name=None))
    outputs: dict[str, Any] = dict(categories=categories, images=[], annotations=[])
    counts = dict(vid_train_frames=0, no_objects=0)
    xml_root = osp.join(root, 'Annotations', 'DET')
    data_dir = osp.join(root, 'Data', 'DET')
    data_dir = data_dir if osp.isdir(data_dir) else None

    def add_image(img_name: str, xml_path: str, is_vid_train_frame: bool, where: str) -> None:
        utils.check_image(data_dir, img_name, where)
        width, height, objects = utils.parse_xml(xml_path, False)
        img_id = len(outputs['images']) + 1
        outputs['images'].append(dict(file_name=img_name, height=height, width=width, id=img_id,
                                      is_vid_train_frame=is_vid_train_frame))
        counts['vid_train_frames'] += is_vid_train_frame
        counts['no_objects'] += not objects
        for obj in objects:
            x1, y1, x2, y2 = obj['bbox']
            outputs['annotations'].append(
                dict(id=len(outputs['annotations']) + 1, image_id=img_id,
                     category_id=utils.WNID_TO_ID.get(obj['name'], OTHER_ID),
                     bbox=[x1, y1, x2 - x1, y2 - y1], area=(x2 - x1) * (y2 - y1),
                     iscrowd=False))

    list_file = osp.join(root, 'Lists', 'DET_train_30classes.txt')
    listed = set()
    for lineno, line in read_lines(list_file):
        cols = line.split()
        if not cols:
            continue
        img_name = f'{cols[0]}.JPEG'
        if img_name in listed:
            continue
        listed.add(img_name)
        xml_path = osp.join(xml_root, f'{cols[0]}.xml')
        if not osp.isfile(xml_path):
            raise ConversionError(f'{list_file}:{lineno}: annotation {xml_path} is missing')
        add_image(img_name, xml_path, True, f'{list_file}:{lineno}')
    for subset in DET_SUBSETS:
        base = osp.join(xml_root, subset)
        pattern = ('*', '*.xml') if subset == 'train/ILSVRC2013_train' else ('*.xml', )
        for xml_path in sorted(glob.glob(osp.join(base, *pattern))):
            rel = osp.relpath(xml_path, base)
            img_name = f'{subset}/{osp.splitext(rel)[0]}.JPEG'
            if img_name not in listed:
                add_image(img_name, xml_path, False, xml_path)
    if not outputs['images']:
        raise ConversionError(f'{xml_root}: no annotations found')
    return outputs, counts


def main(argv: Optional[list[str]] = None) -> None:
    args = parse_args(argv)
    out_file = osp.join(args.output, 'imagenet_det_30plus1cls.json')
    with AtomicOutputs() as out:
        outputs, counts = convert_det(args.input)
        out.write_json(out_file, outputs)
    print(f'ImageNet DET: {len(outputs["images"])} images ({counts["vid_train_frames"]} for '
          f'video detection training, {counts["no_objects"]} without objects), '
          f'{len(outputs["annotations"])} boxes. Saved as {out_file}')


if __name__ == '__main__':
    run_main(main)
