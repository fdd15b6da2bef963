"""Convert ImageNet VID annotations to CocoVID.

Usage (as in MMTracking)::

    python tools/dataset_converters/ilsvrc/imagenet2coco_vid.py -i ./data/ILSVRC \
        -o ./data/ILSVRC/annotations

Reads ``Lists/VID_train_15frames.txt`` (``<video> 1 <frame, 1-based> <num frames>``: the
15 frames per video used for training), ``Lists/VID_val_videos.txt`` (``<video> <x>
<y> <num frames>``) and ``Annotations/VID/<video>/<frame:06d>.xml``; writes
``imagenet_vid_{train,val}.json``: videos ``{id, name, vid_train_frames (0-based)}``,
images ``{file_name='<video>/<frame:06d>.JPEG', height, width, id, frame_id (0-based),
video_id, is_vid_train_frame}``, annotations ``{id, video_id, image_id, category_id,
instance_id (from 1, unique in the file), bbox [x1, y1, x2 - x1, y2 - y1], area,
iscrowd=False, occluded, generated}``, categories ``{id, name, encode_name}`` for the
30 classes, as MMTracking 0.14. When ``Data/VID`` exists, every listed frame must
have its image.
"""

from __future__ import annotations

import argparse
import os.path as osp
import sys
from typing import Any, Optional

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from convert_utils import (  # noqa: E402
    AtomicOutputs,
    ConversionError,
    load_sibling,
    parse_number,
    read_lines,
    run_main,
)

utils = load_sibling('ilsvrc/imagenet_utils.py')


def parse_args(argv: Optional[list[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='ImageNet VID to COCO Video format')
    parser.add_argument('-i', '--input', required=True,
                        help='root directory of ImageNet VID annotations')
    parser.add_argument('-o', '--output', required=True,
                        help='directory to save coco formatted label file')
    return parser.parse_args(argv)


def parse_video_list(path: str, mode: str) -> dict[str, dict[str, Any]]:
    """Read a VID list file into ``{video: {num_frames, vid_train_frames}}`` (ordered)."""
    videos: dict[str, dict[str, Any]] = {}
    for lineno, line in read_lines(path):
        cols = line.split()
        if len(cols) != 4:
            raise ConversionError(f'{path}:{lineno}: expected 4 columns (video, ?, frame, '
                                  f'num_frames), got {len(cols)}: {line.strip()!r}')
        num_frames = parse_number(cols[3], int, path, lineno, 'num_frames')
        if num_frames < 1:
            raise ConversionError(f'{path}:{lineno}: empty sequence (num_frames={num_frames})')
        info = videos.setdefault(cols[0], dict(num_frames=num_frames, vid_train_frames=[],
                                               where=f'{path}:{lineno}'))
        if mode == 'train':
            frame = parse_number(cols[2], int, path, lineno, 'frame') - 1
            if not 0 <= frame < num_frames:
                raise ConversionError(f'{path}:{lineno}: frame {frame + 1} is outside 1..'
                                      f'{num_frames}')
            info['vid_train_frames'].append(frame)
    return videos


def convert_vid(root: str, mode: str) -> tuple[dict[str, Any], dict[str, int]]:
    """Convert the ``train`` or ``val`` split; return the CocoVID dict and counts."""
    list_file = osp.join(
        root, 'Lists', 'VID_train_15frames.txt' if mode == 'train' else 'VID_val_videos.txt')
    videos = parse_video_list(list_file, mode)
    xml_dir = osp.join(root, 'Annotations', 'VID')
    data_dir = osp.join(root, 'Data', 'VID')
    data_dir = data_dir if osp.isdir(data_dir) else None
    outputs: dict[str, Any] = dict(
        categories=[
            dict(id=i, name=n, encode_name=w)
            for i, (n, w) in enumerate(zip(utils.VID_CLASSES, utils.VID_CLASS_WNIDS), 1)
        ],
        videos=[], images=[], annotations=[])
    counts = dict(vid_train_frames=0, no_objects=0)
    img_id = ann_id = instance_id = 1
    for vid_id, (name, info) in enumerate(videos.items(), 1):
        train_frames = info['vid_train_frames']
        counts['vid_train_frames'] += len(train_frames)
        outputs['videos'].append(dict(id=vid_id, name=name, vid_train_frames=train_frames))
        instance_ids: dict[str, int] = {}
        for frame_id in range(info['num_frames']):
            prefix = f'{name}/{frame_id:06d}'
            utils.check_image(data_dir, f'{prefix}.JPEG', info['where'])
            width, height, objects = utils.parse_xml(osp.join(xml_dir, f'{prefix}.xml'), True)
            outputs['images'].append(
                dict(file_name=f'{prefix}.JPEG', height=height, width=width, id=img_id,
                     frame_id=frame_id, video_id=vid_id,
                     is_vid_train_frame=frame_id in train_frames))
            counts['no_objects'] += not objects
            for obj in objects:
                if obj['name'] not in utils.WNID_TO_ID:
                    continue
                if obj['trackid'] not in instance_ids:
                    instance_ids[obj['trackid']] = instance_id
                    instance_id += 1
                x1, y1, x2, y2 = obj['bbox']
                outputs['annotations'].append(
                    dict(id=ann_id, video_id=vid_id, image_id=img_id,
                         category_id=utils.WNID_TO_ID[obj['name']],
                         instance_id=instance_ids[obj['trackid']], bbox=[x1, y1, x2 - x1, y2 - y1],
                         area=(x2 - x1) * (y2 - y1), iscrowd=False, occluded=obj['occluded'],
                         generated=obj['generated']))
                ann_id += 1
            img_id += 1
    counts['instances'] = instance_id - 1
    return outputs, counts


def main(argv: Optional[list[str]] = None) -> None:
    args = parse_args(argv)
    results = []
    with AtomicOutputs() as out:
        for mode in ('train', 'val'):
            outputs, counts = convert_vid(args.input, mode)
            out_file = osp.join(args.output, f'imagenet_vid_{mode}.json')
            out.write_json(out_file, outputs)
            results.append((mode, outputs, counts, out_file))
    for mode, outputs, counts, out_file in results:
        print(f'ImageNet VID {mode}: {len(outputs["videos"])} videos, '
              f'{len(outputs["images"])} images ({counts["vid_train_frames"]} train frames for '
              f'video detection, {counts["no_objects"]} without objects), '
              f'{counts["instances"]} instances, {len(outputs["annotations"])} boxes. '
              f'Saved as {out_file}')


if __name__ == '__main__':
    run_main(main)
