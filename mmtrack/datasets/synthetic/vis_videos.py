"""Synthetic video instance segmentation data in the YouTube-VIS layout."""

from __future__ import annotations

import json
import os
import os.path as osp
import shutil

import numpy as np
import pycocotools.mask as mask_utils

from .common import fresh_tmp_dir, replace_dir, sequence_rng, write_jpeg
from .frame_degradation import FrameDegradation
from .synthetic_scene import SyntheticScene

#: YouTube-VIS 2019 class names in id order (ids start at 1).
YTVIS_2019_CLASSES = (
    'person', 'giant_panda', 'lizard', 'parrot', 'skateboard', 'sedan', 'ape', 'dog', 'snake',
    'monkey', 'hand', 'rabbit', 'duck', 'cat', 'cow', 'fish', 'train', 'horse', 'turtle',
    'bear', 'motorbike', 'giraffe', 'leopard', 'fox', 'deer', 'owl', 'surfboard', 'airplane',
    'truck', 'zebra', 'tiger', 'elephant', 'snowboard', 'boat', 'shark', 'mouse', 'frog',
    'eagle', 'earless_seal', 'tennis_racket')
#: YouTube-VIS 2021 class names in id order (ids start at 1).
YTVIS_2021_CLASSES = (
    'airplane', 'bear', 'bird', 'boat', 'car', 'cat', 'cow', 'deer', 'dog', 'duck',
    'earless_seal', 'elephant', 'fish', 'flying_disc', 'fox', 'frog', 'giant_panda', 'giraffe',
    'horse', 'leopard', 'lizard', 'monkey', 'motorbike', 'mouse', 'parrot', 'person', 'rabbit',
    'shark', 'skateboard', 'snake', 'snowboard', 'squirrel', 'surfboard', 'tennis_racket',
    'tiger', 'train', 'truck', 'turtle', 'whale', 'zebra')
#: Classes used by the generator and how they look: (name, shape, aspect h/w range).
VIS_OBJECT_TYPES = (('person', 'rect', (1.8, 2.4)), ('duck', 'ellipse', (0.9, 1.1)),
                    ('cat', 'rect', (0.5, 0.7)))


def generate_vis_videos(root: str,
                        split: str = 'train',
                        num_videos: int = 2,
                        num_frames: int = 10,
                        img_size: tuple[int, int] = (160, 256),
                        max_objects: int = 4,
                        seed: int = 0,
                        version: str = '2019',
                        degradation: FrameDegradation | None = None) -> str:
    """Write deterministic videos with per-instance masks (YouTube-VIS layout).

    Frames go to ``root/<split>/JPEGImages/<video>/<00000, 00005, ...>.jpg`` and the
    annotations to ``root/<split>.json`` (``version='2019'``) or
    ``root/<split>/instances.json`` (``'2021'``), with the official fields:
    ``videos`` ({id, width, height, length, file_names}), ``annotations`` (one per
    instance: {id, video_id, category_id, iscrowd, width, height, length,
    segmentations, bboxes, areas}, per-frame lists holding compressed RLE
    (``counts`` as str), ``[x, y, w, h]`` and pixel area, or ``None`` in frames where
    the instance is not visible) and all 40 ``categories`` of that version.
    Masks and boxes are those of the visible pixels. Object classes
    (``person`` tall rectangles, ``duck`` round ellipses, ``cat`` wide
    rectangles) differ by shape.

    Args:
        root (str): Data set root (e.g. ``data/youtube_vis_2019``).
        split (str): ``'train'``, ``'valid'`` or ``'test'``. Defaults to 'train'.
        num_videos (int): Number of videos. Defaults to 2.
        num_frames (int): Frames per video. Defaults to 10.
        img_size (tuple[int, int]): Image (height, width). Defaults to (160, 256).
        max_objects (int): Objects per video. Defaults to 4.
        seed (int): Seed. Defaults to 0.
        version (str): ``'2019'`` or ``'2021'``. Defaults to '2019'.
        degradation (FrameDegradation, optional): motion blur and partial
            occlusion of every ``degradation.every``-th frame (boxes and
            masks stay those of the whole visible object; each video entry
            then also lists its ``degraded_frames`` indices). Defaults to
            None (no degraded frames).

    Returns:
        str: Path of the annotation json.
    """
    if version not in ('2019', '2021'):
        raise ValueError(f'version must be "2019" or "2021", got {version!r}')
    if num_videos < 1 or num_frames < 1 or max_objects < 1:
        raise ValueError('num_videos, num_frames and max_objects must be positive')
    height, width = int(img_size[0]), int(img_size[1])
    if height < 32 or width < 32:
        raise ValueError(f'img_size must be at least 32x32, got {img_size}')
    classes = YTVIS_2019_CLASSES if version == '2019' else YTVIS_2021_CLASSES
    cat_ids = {name: i + 1 for i, name in enumerate(classes)}
    videos, annotations = [], []
    img_root = osp.join(root, split, 'JPEGImages')
    for v in range(num_videos):
        rng = sequence_rng(seed, f'vis-{split}', v, 0)
        video_name = f'syn_{split}_{v:04d}'
        final_dir = osp.join(img_root, video_name)
        tmp = fresh_tmp_dir(final_dir)
        try:
            file_names, tracks = _render_video(tmp, video_name, rng, num_frames, height, width,
                                               max_objects, degradation)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        replace_dir(tmp, final_dir)
        video_id = v + 1
        videos.append(dict(id=video_id, width=width, height=height, length=num_frames,
                           file_names=file_names))
        if degradation is not None:
            videos[-1]['degraded_frames'] = [
                t for t in range(num_frames) if degradation.applies(t)]
        for obj_id in sorted(tracks):
            name, per_frame = tracks[obj_id]
            if all(p is None for p in per_frame):
                continue
            annotations.append(
                dict(id=len(annotations) + 1, video_id=video_id, category_id=cat_ids[name],
                     iscrowd=0, width=width, height=height, length=num_frames,
                     segmentations=[p and p[0] for p in per_frame],
                     bboxes=[p and p[1] for p in per_frame],
                     areas=[p and p[2] for p in per_frame]))
    data = dict(
        info=dict(description=f'synthetic YouTube-VIS {version}'),
        categories=[dict(id=i + 1, name=n, supercategory='object') for i, n in enumerate(classes)],
        videos=videos,
        annotations=annotations)
    ann_path = (osp.join(root, f'{split}.json')
                if version == '2019' else osp.join(root, split, 'instances.json'))
    os.makedirs(osp.dirname(ann_path), exist_ok=True)
    tmp_path = ann_path + '.tmp'
    with open(tmp_path, 'w') as f:
        json.dump(data, f)
    os.replace(tmp_path, ann_path)
    return ann_path


def _render_video(out_dir: str, video_name: str, rng: np.random.Generator, num_frames: int,
                  height: int, width: int, max_objects: int,
                  degradation: FrameDegradation | None = None):
    scene = SyntheticScene(rng, (height, width))
    kinds: dict[int, str] = {}
    num = int(rng.integers(max(1, (max_objects + 1) // 2), max_objects + 1))
    for _ in range(num):
        name, shape, (a_lo, a_hi) = VIS_OBJECT_TYPES[int(rng.integers(0,
                                                                        len(VIS_OBJECT_TYPES)))]
        s_hi = max(12.0, min(50.0, 0.35 * height))
        size = rng.uniform(min(20.0, s_hi), s_hi)
        aspect = rng.uniform(a_lo, a_hi)
        h = int(round(size * np.sqrt(aspect)))
        w = int(round(size / np.sqrt(aspect)))
        speed = rng.uniform(0.8, 3.0)
        angle = rng.uniform(0, 2 * np.pi)
        obj = scene.add_object(
            w, h, (rng.uniform(w / 2, width - w / 2), rng.uniform(h / 2, height - h / 2)),
            (speed * np.cos(angle), speed * np.sin(angle)),
            bounds=(0.0, 0.0, float(width), float(height)), shape=shape)
        kinds[obj.obj_id] = name
    tracks = {obj_id: (name, []) for obj_id, name in kinds.items()}
    file_names = []
    for t in range(num_frames):
        if t > 0:
            scene.step()
        rendered = scene.render()
        fname = f'{5 * t:05d}.jpg'
        file_names.append(f'{video_name}/{fname}')
        boxes = []
        for obj_id, (_, per_frame) in tracks.items():
            mask = rendered.owner == obj_id
            area = int(mask.sum())
            if area == 0:
                per_frame.append(None)
                continue
            rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
            rle['counts'] = rle['counts'].decode('ascii')
            ys, xs = np.nonzero(mask)
            x1, y1 = int(xs.min()), int(ys.min())
            bbox = [float(x1), float(y1), float(xs.max() + 1 - x1), float(ys.max() + 1 - y1)]
            per_frame.append((rle, bbox, float(area)))
            boxes.append([bbox[0], bbox[1], bbox[0] + bbox[2], bbox[1] + bbox[3]])
        image = rendered.image
        if degradation is not None and degradation.applies(t):
            image = degradation(image, np.array(boxes, dtype=np.float64).reshape(-1, 4))
        write_jpeg(osp.join(out_dir, fname), image)
    return file_names, tracks
