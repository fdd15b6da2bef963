"""Convert YouTube-VIS 2019/2021 annotations to CocoVID.

Usage (as in MMTracking)::

    python tools/dataset_converters/youtubevis/youtubevis2coco.py \
        -i ./data/youtube_vis_2019 -o ./data/youtube_vis_2019/annotations --version 2019

Reads ``<input>/{train,valid,test}.json`` (2019) or
``<input>/{train,valid,test}/instances.json`` (2021) and writes
``youtube_vis_<version>_{train,valid,test}.json``: categories copied, videos
``{id, name (folder of the first frame), width, height}``, images ``{file_name,
height, width, id, frame_id (0-based), video_id}``, and for ``train`` one annotation
per instance and frame where the instance has a box: ``{id, video_id, image_id,
category_id, instance_id (from 1, unique in the file), bbox, segmentation, area,
iscrowd}``, as MMTracking 0.14. Missing splits are skipped. When
``<input>/<split>/JPEGImages`` exists, every listed frame must be there.
"""

from __future__ import annotations

import argparse
import json
import math
import os.path as osp
import sys
from collections import defaultdict
from typing import Any, Optional

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from convert_utils import AtomicOutputs, ConversionError, check_box_size, run_main  # noqa: E402


def parse_args(argv: Optional[list[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='YouTube-VIS to COCO Video format')
    parser.add_argument('-i', '--input', required=True,
                        help='root directory of YouTube-VIS annotations')
    parser.add_argument('-o', '--output', required=True,
                        help='directory to save coco formatted label file')
    parser.add_argument('--version', choices=['2019', '2021'], required=True,
                        help='The version of YouTube-VIS Dataset')
    return parser.parse_args(argv)


def _require(obj: dict, keys: tuple[str, ...], path: str, what: str) -> None:
    if not isinstance(obj, dict):
        raise ConversionError(f'{path}: {what} is not an object but {type(obj).__name__}: '
                              f'{str(obj)[:80]}')
    for key in keys:
        if key not in obj:
            raise ConversionError(f'{path}: {what} misses field {key!r}')


def convert_vis(root: str, version: str, mode: str, ann_path: str) -> dict[str, Any]:
    """Convert one split of YouTube-VIS to a CocoVID dict."""
    try:
        with open(ann_path, encoding='utf-8') as f:
            official = json.load(f)
    except json.JSONDecodeError as e:
        raise ConversionError(f'{ann_path}: invalid json ({e.msg}, line {e.lineno})') from None
    _require(official, ('categories', 'videos'), ann_path, 'the file')
    img_dir = osp.join(root, mode, 'JPEGImages')
    img_dir = img_dir if osp.isdir(img_dir) else None
    outputs: dict[str, Any] = dict(categories=official['categories'], videos=[], images=[],
                                   annotations=[])
    has_annotations = mode == 'train'
    vid_to_anns: dict[int, list[dict]] = defaultdict(list)
    for k, cat in enumerate(official['categories']):
        _require(cat, ('id', ), ann_path, f'category {k}')
    cat_ids = {c['id'] for c in official['categories']}
    for k, video in enumerate(official['videos']):
        _require(video, ('id', 'width', 'height', 'file_names'), ann_path, f'video {k}')
    video_ids = {v['id'] for v in official['videos']}
    if has_annotations:
        _require(official, ('annotations', ), ann_path, 'the file')
        for k, ann in enumerate(official['annotations']):
            _require(ann, ('id', 'video_id', 'category_id', 'bboxes', 'segmentations', 'areas'),
                     ann_path, f'annotation {k}')
            if ann['category_id'] not in cat_ids:
                raise ConversionError(f'{ann_path}: annotation {k} (id {ann["id"]}) has unknown '
                                      f'category_id {ann["category_id"]!r}')
            if ann['video_id'] not in video_ids:
                raise ConversionError(f'{ann_path}: annotation {k} (id {ann["id"]}) has unknown '
                                      f'video_id {ann["video_id"]!r}')
            vid_to_anns[ann['video_id']].append(ann)
    img_id = ann_id = instance_id = 1
    for k, video in enumerate(official['videos']):
        _require(video, ('id', 'width', 'height', 'file_names'), ann_path, f'video {k}')
        file_names = video['file_names']
        if not file_names:
            raise ConversionError(f'{ann_path}: video {k} (id {video["id"]}) is an empty '
                                  'sequence')
        outputs['videos'].append(
            dict(id=video['id'], name=file_names[0].split('/')[0], width=video['width'],
                 height=video['height']))
        instance_ids: dict[int, int] = {}
        anns = vid_to_anns.get(video['id'], [])
        for ann in anns:
            for key in ('bboxes', 'segmentations', 'areas'):
                if len(ann[key]) != len(file_names):
                    raise ConversionError(
                        f'{ann_path}: annotation id {ann["id"]} has {len(ann[key])} {key} but '
                        f'video id {video["id"]} has {len(file_names)} frames')
        for frame_id, file_name in enumerate(file_names):
            if img_dir is not None and not osp.isfile(osp.join(img_dir, file_name)):
                raise ConversionError(f'{ann_path}: video id {video["id"]} lists {file_name} '
                                      f'but {osp.join(img_dir, file_name)} is missing')
            outputs['images'].append(
                dict(file_name=file_name, height=video['height'], width=video['width'],
                     id=img_id, frame_id=frame_id, video_id=video['id']))
            for ann in anns:
                bbox = ann['bboxes'][frame_id]
                if bbox is None:
                    continue
                where = f'{ann_path}: annotation id {ann["id"]}, frame {frame_id}'
                seg, area = ann['segmentations'][frame_id], ann['areas'][frame_id]
                if seg is None or area is None:
                    raise ConversionError(f'{where}: has a box but no segmentation or area')
                if (not isinstance(bbox, (list, tuple)) or len(bbox) != 4
                        or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                   and math.isfinite(v) for v in bbox)):
                    raise ConversionError(
                        f'{where}: field bbox must be 4 finite numbers, got {bbox!r}')
                check_box_size(bbox[2], bbox[3], where, None)
                if ann['id'] not in instance_ids:
                    instance_ids[ann['id']] = instance_id
                    instance_id += 1
                outputs['annotations'].append(
                    dict(id=ann_id, video_id=video['id'], image_id=img_id,
                         category_id=ann['category_id'], instance_id=instance_ids[ann['id']],
                         bbox=bbox, segmentation=seg, area=area,
                         iscrowd=ann.get('iscrowd', 0)))
                ann_id += 1
            img_id += 1
    outputs['num_instances'] = instance_id - 1
    return outputs


def main(argv: Optional[list[str]] = None) -> None:
    args = parse_args(argv)
    results = []
    with AtomicOutputs() as out:
        for mode in ('train', 'valid', 'test'):
            ann_path = (osp.join(args.input, f'{mode}.json') if args.version == '2019' else
                        osp.join(args.input, mode, 'instances.json'))
            if not osp.isfile(ann_path):
                print(f'Skip {mode}: {ann_path} not found')
                continue
            outputs = convert_vis(args.input, args.version, mode, ann_path)
            out_file = osp.join(args.output, f'youtube_vis_{args.version}_{mode}.json')
            out.write_json(out_file, outputs)
            results.append((mode, outputs, out_file))
        if not results:
            raise ConversionError(f'{args.input}: no YouTube-VIS {args.version} annotation '
                                  'file found')
    for mode, outputs, out_file in results:
        print(f'YouTube-VIS {args.version} {mode}: {len(outputs["videos"])} videos, '
              f'{len(outputs["images"])} images, {outputs["num_instances"]} instances, '
              f'{len(outputs["annotations"])} objects. Saved as {out_file}')
        per_class = defaultdict(int)
        for ann in outputs['annotations']:
            per_class[ann['category_id']] += 1
        names = {c['id']: c['name'] for c in outputs['categories']}
        for cat_id in sorted(per_class):
            print(f'  class {cat_id} {names.get(cat_id)}: {per_class[cat_id]} objects')


if __name__ == '__main__':
    run_main(main)
