"""Convert CrowdHuman ``.odgt`` annotations to COCO json.

Usage (as in MMTracking)::

    python tools/dataset_converters/mot/crowdhuman2coco.py -i ./data/crowdhuman \
        -o ./data/crowdhuman/annotations

Reads ``<input>/annotation_{train,val}.odgt`` (one json object per line:
``ID`` and ``gtboxes`` with ``fbox``/``vbox`` ``[x, y, w, h]`` and optional
``extra.ignore``) and the images ``<input>/{train,val}/Images/<ID>.jpg``; writes
``crowdhuman_{train,val}.json`` with images ``{file_name='Images/<ID>.jpg',
height, width, id}``, annotations ``{id, image_id, category_id=1, vis_bbox (vbox),
bbox (fbox, full body), area, iscrowd (extra.ignore == 1)}`` and categories
``[{id: 1, name: 'pedestrian'}]``, as MMTracking 0.14. The data sets read these
still images as one-frame videos. Missing splits are skipped.
"""

from __future__ import annotations

import argparse
import json
import os.path as osp
import sys
from typing import Any, Optional

from PIL import Image

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from convert_utils import (  # noqa: E402
    AtomicOutputs,
    ConversionError,
    check_box_size,
    read_lines,
    run_main,
)


def parse_args(argv: Optional[list[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='CrowdHuman to COCO Video format')
    parser.add_argument('-i', '--input', required=True,
                        help='root directory of CrowdHuman annotations')
    parser.add_argument('-o', '--output', required=True,
                        help='directory to save coco formatted label file')
    return parser.parse_args(argv)


def _box(value: Any, path: str, lineno: int, field: str) -> list[float]:
    if (not isinstance(value, list) or len(value) != 4
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)):
        raise ConversionError(f'{path}:{lineno}: field {field!r} must be 4 numbers, got {value!r}')
    check_box_size(value[2], value[3], path, lineno)
    return [float(v) for v in value]


def convert_crowdhuman(root: str, mode: str) -> dict[str, Any]:
    """Convert one split (``'train'`` or ``'val'``) to a COCO dict."""
    odgt = osp.join(root, f'annotation_{mode}.odgt')
    outputs: dict[str, Any] = dict(
        categories=[dict(id=1, name='pedestrian')], images=[], annotations=[])
    img_id = ann_id = 1
    for lineno, line in read_lines(odgt):
        try:
            info = json.loads(line)
        except json.JSONDecodeError as e:
            raise ConversionError(f'{odgt}:{lineno}: invalid json ({e.msg})') from None
        for key in ('ID', 'gtboxes'):
            if key not in info:
                raise ConversionError(f'{odgt}:{lineno}: missing field {key!r}')
        img_name = f'Images/{info["ID"]}.jpg'
        img_path = osp.join(root, mode, img_name)
        if not osp.isfile(img_path):
            raise ConversionError(f'{odgt}:{lineno}: image {img_path} is missing')
        with Image.open(img_path) as img:
            width, height = img.size
        outputs['images'].append(dict(file_name=img_name, height=height, width=width, id=img_id))
        for box in info['gtboxes']:
            for key in ('fbox', 'vbox'):
                if key not in box:
                    raise ConversionError(f'{odgt}:{lineno}: a gtbox misses field {key!r}')
            fbox = _box(box['fbox'], odgt, lineno, 'fbox')
            vbox = _box(box['vbox'], odgt, lineno, 'vbox')
            iscrowd = box.get('extra', {}).get('ignore', 0) == 1
            outputs['annotations'].append(
                dict(id=ann_id, image_id=img_id, category_id=1, vis_bbox=vbox, bbox=fbox,
                     area=fbox[2] * fbox[3], iscrowd=iscrowd))
            ann_id += 1
        img_id += 1
    return outputs


def main(argv: Optional[list[str]] = None) -> None:
    args = parse_args(argv)
    results = []
    with AtomicOutputs() as out:
        for mode in ('train', 'val'):
            if not osp.isfile(osp.join(args.input, f'annotation_{mode}.odgt')):
                print(f'Skip {mode}: annotation_{mode}.odgt not found in {args.input}')
                continue
            outputs = convert_crowdhuman(args.input, mode)
            out_file = osp.join(args.output, f'crowdhuman_{mode}.json')
            out.write_json(out_file, outputs)
            results.append((mode, outputs, out_file))
        if not results:
            raise ConversionError(f'{args.input}: no annotation_{{train,val}}.odgt found')
    for mode, outputs, out_file in results:
        num_crowd = sum(a['iscrowd'] for a in outputs['annotations'])
        print(f'CrowdHuman {mode}: {len(outputs["images"])} images, '
              f'{len(outputs["annotations"])} boxes ({num_crowd} ignored). Saved as {out_file}')


if __name__ == '__main__':
    run_main(main)
