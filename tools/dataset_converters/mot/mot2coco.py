"""Convert MOTChallenge (MOT15/16/17/20) labels and public detections to CocoVID.

Usage (as in MMTracking)::

    python tools/dataset_converters/mot/mot2coco.py -i ./data/MOT17/ \
        -o ./data/MOT17/annotations --split-train --convert-det

Input layout: ``<input>/{train,test}/<video>/{seqinfo.ini, <imDir>/000001.jpg, gt/gt.txt,
det/det.txt}``. gt rows are ``frame,id,x,y,w,h,conf,class,visibility`` (MOT15:
``frame,id,x,y,w,h,...`` with conf, class and visibility taken as 1); det rows are
``frame,-1,x,y,w,h,score,...``.

Outputs in ``<output>``: ``{train,test}_cocoformat.json`` and, with ``--split-train``,
``half-train_cocoformat.json`` (first ``num_frames // 2 + 1`` frames of each train
video) and ``half-val_cocoformat.json`` (the rest), plus ``gt/gt_half-train.txt`` and
``gt/gt_half-val.txt`` in each train video folder (raw gt rows of those frames, all
classes, for evaluation). With ``--convert-det``, ``<subset>_detections.pkl`` holds
``dict(det_bboxes={file_name: [ndarray (n, 5) x1, y1, x2, y2, score]})``.

As MMTracking 0.14: only pedestrians (class 1) are kept with ``category_id=1``;
the ignore classes (2 person on vehicle, 7 static person, 8 distractor,
12 reflection, 13 crowd) and the useless classes (3-6, 9-11) are dropped from the
json (they stay in the half gt files); ``mot_conf == 0`` rows are kept with their
``mot_conf`` so the dataset can ignore them. ``frame_id`` is 0-based per (half)
video, ``mot_frame_id`` is the original 1-based frame number, ``instance_id`` is
re-indexed from 0 in each output file. ids of videos, images and annotations
start from 1 in each file. Sequences are read in sorted order.
"""

from __future__ import annotations

import argparse
import os
import os.path as osp
import sys
from collections import defaultdict
from typing import Any, Optional

import numpy as np

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from convert_utils import (  # noqa: E402
    AtomicOutputs,
    ConversionError,
    check_box_size,
    list_images,
    parse_number,
    read_lines,
    read_seqinfo,
    run_main,
    split_row,
)

PEDESTRIAN = 1
IGNORE_CLASSES = (2, 7, 8, 12, 13)
USELESS_CLASSES = (3, 4, 5, 6, 9, 10, 11)
GT_FIELDS = ('frame', 'id', 'x', 'y', 'w', 'h', 'conf', 'class', 'visibility')
MOT15_GT_FIELDS = GT_FIELDS[:6]
DET_FIELDS = ('frame', 'id', 'x', 'y', 'w', 'h', 'score')


def parse_args(argv: Optional[list[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Convert MOT label and detections to COCO-VID format.')
    parser.add_argument('-i', '--input', required=True, help='path of MOT data')
    parser.add_argument('-o', '--output', required=True,
                        help='path to save coco formatted label file')
    parser.add_argument('--convert-det', action='store_true',
                        help='convert official detection results.')
    parser.add_argument('--split-train', action='store_true',
                        help='split the train set into half-train and half-validate.')
    return parser.parse_args(argv)


def parse_gts(path: str, is_mot15: bool) -> tuple[dict[int, list[dict]], list[tuple[int, str]]]:
    """Parse a MOTChallenge ``gt.txt``.

    Returns:
        tuple: ``{mot_frame_id: [annotation dict]}`` for pedestrians, and every
        raw ``(lineno, line)`` (all classes) for the half gt files.
    """
    lines = read_lines(path)
    if not lines:
        # a video without annotated objects is possible in one's own data;
        # MOTChallenge's gt files always have rows
        print(f'warning: {path}: empty gt file, the video gets no annotations', file=sys.stderr)
    fields = MOT15_GT_FIELDS if is_mot15 else GT_FIELDS
    outputs: dict[int, list[dict]] = defaultdict(list)
    seen: dict[tuple[int, int], int] = {}
    for lineno, line in lines:
        cols = split_row(line, path, lineno, fields)
        frame = parse_number(cols[0], int, path, lineno, 'frame')
        ins_id = parse_number(cols[1], int, path, lineno, 'id')
        if (frame, ins_id) in seen:
            # TrackEval refuses such gt ("the same ID more than once in a single timestep")
            raise ConversionError(
                f'{path}:{lineno}: id {ins_id} appears twice in frame {frame} '
                f'(first at line {seen[frame, ins_id]})')
        seen[frame, ins_id] = lineno
        x, y, w, h = (parse_number(c, float, path, lineno, f)
                      for c, f in zip(cols[2:6], fields[2:6]))
        check_box_size(w, h, path, lineno)
        if is_mot15:
            conf, class_id, visibility = 1.0, PEDESTRIAN, 1.0
        else:
            conf = parse_number(cols[6], float, path, lineno, 'conf')
            class_id = parse_number(cols[7], int, path, lineno, 'class')
            visibility = parse_number(cols[8], float, path, lineno, 'visibility')
        if class_id != PEDESTRIAN:
            if class_id not in IGNORE_CLASSES and class_id not in USELESS_CLASSES:
                raise ConversionError(f'{path}:{lineno}: unknown MOT class {class_id}')
            continue
        outputs[frame].append(
            dict(lineno=lineno, category_id=1, bbox=[x, y, w, h], area=w * h, iscrowd=False,
                 visibility=visibility, mot_instance_id=ins_id, mot_conf=conf,
                 mot_class_id=class_id))
    return outputs, lines


def parse_dets(path: str) -> tuple[dict[int, list[list[float]]], dict[int, int]]:
    """Parse a MOTChallenge ``det.txt``.

    Returns:
        tuple: ``{frame: [[x1, y1, x2, y2, score]]}`` and the first line number
        of each frame.
    """
    outputs: dict[int, list[list[float]]] = defaultdict(list)
    first_line: dict[int, int] = {}
    for lineno, line in read_lines(path):
        cols = split_row(line, path, lineno, DET_FIELDS)
        frame = parse_number(cols[0], int, path, lineno, 'frame')
        det_id = parse_number(cols[1], int, path, lineno, 'id')
        if det_id != -1:
            raise ConversionError(f'{path}:{lineno}: field \'id\' of a detection must be -1, '
                                  f'got {cols[1].strip()!r}')
        x, y, w, h, score = (parse_number(c, float, path, lineno, f)
                             for c, f in zip(cols[2:7], DET_FIELDS[2:7]))
        check_box_size(w, h, path, lineno)
        outputs[frame].append([x, y, x + w, y + h, score])
        first_line.setdefault(frame, lineno)
    return outputs, first_line


class _VideoReader:
    """Reads one MOTChallenge video folder and checks it for consistency."""

    def __init__(self, video_folder: str, parse_gt: bool, parse_det: bool,
                 is_mot15: bool) -> None:
        name = osp.basename(video_folder)
        ini = osp.join(video_folder, 'seqinfo.ini')
        self.info = read_seqinfo(ini)
        if self.info['name'] != name:
            raise ConversionError(
                f'{ini}: field \'name\' is {self.info["name"]!r} but the folder is {name!r}')
        self.name = name
        self.folder = video_folder
        img_dir = osp.join(video_folder, self.info['imDir'])
        names = list_images(img_dir, (self.info['imExt'], ))
        if not names:
            raise ConversionError(f'{img_dir}: empty sequence (no {self.info["imExt"]} images)')
        if len(names) != self.info['seqLength']:
            raise ConversionError(
                f'{ini}: field \'seqLength\' is {self.info["seqLength"]} but {img_dir} has '
                f'{len(names)} images')
        self.img_names = names
        self.frame_ids = [
            parse_number(osp.splitext(n)[0], int, osp.join(img_dir, n), None, 'frame number')
            for n in names
        ]
        self.frame_set = set(self.frame_ids)
        self.gts: dict[int, list[dict]] = {}
        self.gt_lines: list[tuple[int, str]] = []
        self.gt_path = osp.join(video_folder, 'gt', 'gt.txt')
        if parse_gt:
            self.gts, self.gt_lines = parse_gts(self.gt_path, is_mot15)
            self._check_frames(
                {frame: anns[0]['lineno'] for frame, anns in self.gts.items()}, self.gt_path)
        self.dets: dict[int, list[list[float]]] = {}
        if parse_det:
            det_path = osp.join(video_folder, 'det', 'det.txt')
            self.dets, first_line = parse_dets(det_path)
            self._check_frames(first_line, det_path)

    def _check_frames(self, first_line: dict[int, int], path: str) -> None:
        """Every frame referenced by ``path`` must have an image."""
        for frame, lineno in sorted(first_line.items(), key=lambda kv: kv[1]):
            if frame not in self.frame_set:
                digits = len(osp.splitext(self.img_names[0])[0])
                expected = f'{frame:0{digits}d}{self.info["imExt"]}'
                raise ConversionError(
                    f'{path}:{lineno}: frame {frame} has no image '
                    f'({osp.join(self.folder, self.info["imDir"], expected)} is missing)')


def convert_subset(in_folder: str, subset: str, convert_det: bool, is_mot15: bool,
                   out: AtomicOutputs) -> tuple[dict[str, Any], Optional[dict]]:
    """Convert the videos of one subset.

    Args:
        in_folder (str): ``<input>/train`` or ``<input>/test``.
        subset (str): One of ``train``, ``test``, ``half-train``, ``half-val``.
        convert_det (bool): Also collect public detections.
        is_mot15 (bool): Parse gt with the MOT15 column meaning.
        out (AtomicOutputs): Where the half gt files are staged.

    Returns:
        tuple: the CocoVID dict and the detections dict (or None).
    """
    parse_gt = 'test' not in subset
    outputs: dict[str, Any] = dict(
        categories=[dict(id=1, name='pedestrian')], videos=[], images=[], annotations=[])
    detections = dict(det_bboxes=dict()) if convert_det else None
    vid_id = img_id = ann_id = 1
    ins_id = 0
    video_names = sorted(n for n in os.listdir(in_folder)
                         if osp.isdir(osp.join(in_folder, n)) and not n.startswith('.'))
    if not video_names:
        raise ConversionError(f'{in_folder}: no video folders found')
    for video_name in video_names:
        reader = _VideoReader(osp.join(in_folder, video_name), parse_gt, convert_det, is_mot15)
        info = reader.info
        img_names, frame_ids = reader.img_names, reader.frame_ids
        if 'half' in subset:
            split_frame = len(img_names) // 2 + 1
            sl = slice(None, split_frame) if subset == 'half-train' else slice(split_frame, None)
            img_names, frame_ids = img_names[sl], frame_ids[sl]
            keep = set(frame_ids)
            half_lines = [
                line.strip() for _, line in reader.gt_lines
                if parse_number(line.split(',')[0], int, reader.gt_path, None, 'frame') in keep
            ]
            out.write_text(osp.join(reader.folder, 'gt', f'gt_{subset}.txt'), half_lines)
        outputs['videos'].append(
            dict(id=vid_id, name=video_name, fps=info['frameRate'], width=info['imWidth'],
                 height=info['imHeight']))
        ins_maps: dict[int, int] = {}
        for frame_id, (name, mot_frame_id) in enumerate(zip(img_names, frame_ids)):
            file_name = f'{video_name}/{info["imDir"]}/{name}'
            outputs['images'].append(
                dict(id=img_id, video_id=vid_id, file_name=file_name, height=info['imHeight'],
                     width=info['imWidth'], frame_id=frame_id, mot_frame_id=mot_frame_id))
            for gt in reader.gts.get(mot_frame_id, []):
                ann = {k: v for k, v in gt.items() if k != 'lineno'}
                mot_ins_id = ann['mot_instance_id']
                if mot_ins_id not in ins_maps:
                    ins_maps[mot_ins_id] = ins_id
                    ins_id += 1
                ann.update(id=ann_id, image_id=img_id, video_id=vid_id,
                           instance_id=ins_maps[mot_ins_id])
                outputs['annotations'].append(ann)
                ann_id += 1
            if detections is not None:
                dets = np.asarray(reader.dets.get(mot_frame_id, []), dtype=np.float32)
                detections['det_bboxes'][file_name] = [dets.reshape(-1, 5)]
            img_id += 1
        vid_id += 1
    outputs['num_instances'] = ins_id
    return outputs, detections


def main(argv: Optional[list[str]] = None) -> None:
    args = parse_args(argv)
    sets = ['train', 'test']
    if args.split_train:
        sets += ['half-train', 'half-val']
    is_mot15 = 'MOT15' in osp.abspath(args.input)
    if not osp.isdir(args.input):
        raise ConversionError(f'{args.input}: input folder not found')
    results = []
    with AtomicOutputs() as out:
        for subset in sets:
            in_folder = osp.join(args.input, 'train' if 'half' in subset else subset)
            if not osp.isdir(in_folder):
                other = osp.join(args.input, 'test' if subset == 'train' else 'train')
                if subset in ('train', 'test') and osp.isdir(other):
                    # A data set may have only one of the two splits (e.g. test-only).
                    print(f'Skip the {subset} set: {in_folder} does not exist')
                    continue
                raise ConversionError(f'{in_folder}: folder not found (needed for {subset})')
            print(f'Converting {subset} set to COCO format')
            outputs, detections = convert_subset(in_folder, subset, args.convert_det, is_mot15,
                                                 out)
            out_file = osp.join(args.output, f'{subset}_cocoformat.json')
            out.write_json(out_file, outputs)
            saved = [out_file]
            if detections is not None:
                det_file = osp.join(args.output, f'{subset}_detections.pkl')
                out.write_pickle(det_file, detections)
                saved.append(det_file)
            results.append((subset, outputs, saved))
    for subset, outputs, saved in results:
        print(f'{subset}: {len(outputs["videos"])} videos, {len(outputs["images"])} images, '
              f'{outputs["num_instances"]} instances, {len(outputs["annotations"])} boxes. '
              f'Saved as {", ".join(saved)}')


if __name__ == '__main__':
    run_main(main)
