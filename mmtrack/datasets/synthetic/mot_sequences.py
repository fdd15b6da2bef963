"""Synthetic multi-object tracking videos in the raw MOTChallenge layout."""

from __future__ import annotations

import os
import os.path as osp
import shutil
from dataclasses import dataclass

import numpy as np

from .common import fresh_tmp_dir, replace_dir, sequence_rng, write_jpeg
from .synthetic_scene import ObjectView, SyntheticScene

#: Offsets of the sequence numbers per split, so that names differ across splits
#: as in MOTChallenge (``SYN-01`` .. for train, ``SYN-51`` .. for test).
SPLIT_OFFSETS = {'train': 0, 'val': 30, 'test': 50}


@dataclass(frozen=True)
class DetectionNoise:
    """How the simulated public detector errs.

    Attributes:
        box_jitter (float): Std of the centre shift (fraction of the box size)
            and of the log size change. Defaults to 0.05.
        miss_rate (float): Probability of missing a fully visible object.
            Defaults to 0.05.
        occluded_miss_rate (float): Extra miss probability at visibility 0; it
            scales with ``(1 - visibility) ** 2``. Defaults to 0.9.
        false_positives (float): Mean number of false positives per frame
            (Poisson). Defaults to 0.3.
        score_noise (float): Std of the score noise. Defaults to 0.08.
    """

    box_jitter: float = 0.05
    miss_rate: float = 0.05
    occluded_miss_rate: float = 0.9
    false_positives: float = 0.3
    score_noise: float = 0.08


def _simulate_detections(rng: np.random.Generator, views: list[ObjectView], img_w: int,
                         img_h: int, noise: DetectionNoise) -> list[tuple[float, ...]]:
    """Return noisy detections ``(x, y, w, h, score)`` for one frame."""
    dets = []
    for v in views:
        p_miss = min(1.0, noise.miss_rate + noise.occluded_miss_rate * (1 - v.visibility) ** 2)
        if rng.random() < p_miss:
            continue
        x1, y1, x2, y2 = v.box
        w, h = x2 - x1, y2 - y1
        cx = (x1 + x2) / 2 + rng.normal(0, noise.box_jitter) * w
        cy = (y1 + y2) / 2 + rng.normal(0, noise.box_jitter) * h
        w = w * float(np.exp(rng.normal(0, noise.box_jitter)))
        h = h * float(np.exp(rng.normal(0, noise.box_jitter)))
        score = float(np.clip(0.45 + 0.45 * v.visibility + rng.normal(0, noise.score_noise),
                              0.01, 0.99))
        dets.append((cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, score))
    for _ in range(int(rng.poisson(noise.false_positives))):
        h = rng.uniform(16, min(56, 0.4 * img_h))
        w = h / rng.uniform(1.2, 2.4)
        x1 = rng.uniform(0, img_w - w)
        y1 = rng.uniform(0, img_h - h)
        dets.append((x1, y1, x1 + w, y1 + h, float(rng.uniform(0.05, 0.6))))
    out = []
    for x1, y1, x2, y2, s in dets:
        x1, x2 = np.clip([x1, x2], 0, img_w)
        y1, y2 = np.clip([y1, y2], 0, img_h)
        if x2 - x1 >= 2 and y2 - y1 >= 2:
            out.append((float(x1), float(y1), float(x2 - x1), float(y2 - y1), s))
    return out


def _write_seqinfo(path: str, name: str, num_frames: int, width: int, height: int,
                   frame_rate: int) -> None:
    with open(path, 'w') as f:
        f.write(f'[Sequence]\nname={name}\nimDir=img1\nframeRate={frame_rate}\n'
                f'seqLength={num_frames}\nimWidth={width}\nimHeight={height}\nimExt=.jpg\n')


def generate_mot_sequences(root: str,
                           split: str = 'train',
                           num_seqs: int = 2,
                           num_frames: int = 30,
                           img_size: tuple[int, int] = (160, 256),
                           max_objects: int = 6,
                           seed: int = 0,
                           det_noise: DetectionNoise = DetectionNoise(),
                           frame_rate: int = 30) -> list[str]:
    """Write deterministic synthetic MOT sequences in the MOTChallenge layout.

    Each sequence ``root/<split>/SYN-<NN>/`` holds::

        img1/000001.jpg ...   frames (JPEG, quality 95)
        gt/gt.txt             frame,id,x,y,w,h,1,1,visibility (class 1 = pedestrian)
        det/det.txt           frame,-1,x,y,w,h,score,-1,-1,-1 (noisy public detections)
        seqinfo.ini           name, imDir, frameRate, seqLength, imWidth, imHeight, imExt

    Objects are textured sprites (15-60 px) moving smoothly, bouncing on the
    borders or entering and leaving the frame, occluding each other; the camera
    jitters by up to 3 px. Box coordinates are 0-based pixels (used as-is by
    ``mot2coco.py``, like MMTracking does with MOT files), and the boxes are the
    sprite rectangles clipped to the image (unlike MOT, where boxes may extend
    outside). ``visibility`` is the fraction of the object's silhouette pixels
    that are visible (not covered by nearer objects and inside the image); fully
    hidden objects stay annotated with visibility 0. Detections miss objects
    more often the more they are occluded, their scores grow with visibility,
    and a few false positives are added. Every split is written with gt (also
    ``test``, for local evaluation).

    Args:
        root (str): Data set root (e.g. ``data/SYN``).
        split (str): Sub-folder, e.g. ``'train'`` or ``'test'``. Defaults to 'train'.
        num_seqs (int): Number of sequences. Defaults to 2.
        num_frames (int): Frames per sequence. Defaults to 30.
        img_size (tuple[int, int]): Image (height, width). Defaults to (160, 256).
        max_objects (int): Maximum number of objects in the scene at once.
            Defaults to 6.
        seed (int): Seed; the same seed gives byte-identical files. Defaults to 0.
        det_noise (DetectionNoise): Detector error model.
        frame_rate (int): Frame rate written to ``seqinfo.ini``. Defaults to 30.

    Returns:
        list[str]: Paths of the written sequence folders.
    """
    if num_seqs < 1 or num_frames < 1 or max_objects < 1:
        raise ValueError(f'num_seqs, num_frames and max_objects must be positive, got '
                         f'{num_seqs}, {num_frames}, {max_objects}')
    height, width = int(img_size[0]), int(img_size[1])
    if height < 48 or width < 48:
        raise ValueError(f'img_size must be at least 48x48, got {img_size}')
    offset = SPLIT_OFFSETS.get(split, 0)
    paths = []
    for i in range(num_seqs):
        name = f'SYN-{offset + i + 1:02d}'
        final_dir = osp.join(root, split, name)
        tmp = fresh_tmp_dir(final_dir)
        try:
            _write_mot_sequence(tmp, name, sequence_rng(seed, split, i, 0),
                                sequence_rng(seed, split, i, 1), num_frames, height, width,
                                max_objects, det_noise, frame_rate)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        replace_dir(tmp, final_dir)
        paths.append(final_dir)
    return paths


def _write_mot_sequence(out_dir: str, name: str, rng: np.random.Generator,
                        det_rng: np.random.Generator, num_frames: int, height: int, width: int,
                        max_objects: int, det_noise: DetectionNoise, frame_rate: int) -> None:
    for sub in ('img1', 'gt', 'det'):
        os.makedirs(osp.join(out_dir, sub))
    scene = SyntheticScene(rng, (height, width))
    num_init = int(rng.integers(max(1, (max_objects + 1) // 2), max_objects + 1))
    for _ in range(num_init):
        scene.add_random_object(inside=True, bounce=bool(rng.random() < 0.5))
    gt_lines, det_lines = [], []
    for frame in range(1, num_frames + 1):
        if frame > 1:
            scene.step()
            if len(scene.active_objects()) < max_objects and rng.random() < 0.15:
                scene.add_random_object(inside=False, bounce=False)
        rendered = scene.render()
        write_jpeg(osp.join(out_dir, 'img1', f'{frame:06d}.jpg'), rendered.image)
        for v in rendered.views:
            x1, y1, x2, y2 = v.box
            gt_lines.append(f'{frame},{v.obj_id},{x1},{y1},{x2 - x1},{y2 - y1},1,1,'
                            f'{v.visibility:.4f}\n')
        for x, y, w, h, s in _simulate_detections(det_rng, rendered.views, width, height,
                                                  det_noise):
            det_lines.append(f'{frame},-1,{x:.1f},{y:.1f},{w:.1f},{h:.1f},{s:.3f},-1,-1,-1\n')
    with open(osp.join(out_dir, 'gt', 'gt.txt'), 'w') as f:
        f.writelines(gt_lines)
    with open(osp.join(out_dir, 'det', 'det.txt'), 'w') as f:
        f.writelines(det_lines)
    _write_seqinfo(osp.join(out_dir, 'seqinfo.ini'), name, num_frames, width, height,
                   frame_rate)
