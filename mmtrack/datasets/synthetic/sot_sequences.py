"""Synthetic single object tracking sequences in a LaSOT-like layout."""

from __future__ import annotations

import os
import os.path as osp
import shutil

import cv2
import numpy as np

from .common import fresh_tmp_dir, replace_dir, sequence_rng, write_jpeg
from .synthetic_scene import SyntheticScene

#: Class folders; the target of a ``ball`` sequence is an ellipse, of a ``box``
#: sequence a rectangle.
SOT_CLASSES = ('ball', 'box')


def generate_sot_sequences(root: str,
                           num_seqs: int = 2,
                           num_frames: int = 40,
                           img_size: tuple[int, int] = (160, 256),
                           seed: int = 0) -> list[str]:
    """Write deterministic single object tracking sequences (LaSOT layout).

    Sequence ``i`` goes to ``root/<class>/<class>-<n>/`` with ``class`` cycling
    through :data:`SOT_CLASSES` and ``n`` counting from 1 per class::

        img/00000001.jpg ...    frames (JPEG, quality 95)
        groundtruth.txt         x,y,w,h per frame (0-based pixels, clipped to the
                                image; 0,0,0,0 while the target is out of view)
        full_occlusion.txt      one line, comma-separated 0/1 per frame
        out_of_view.txt         one line, comma-separated 0/1 per frame
        nlp.txt                 one-sentence description of the target

    ``root/testing_set.txt`` names every second sequence (one name per line, as
    the LaSOT toolkit's list of test videos); the others form the train split.
    The target moves smoothly among two distractors with their own looks; an
    occluder in front of everything crosses the scene, so the target gets
    partly and sometimes fully occluded; in every other sequence the target
    may leave the image and come back.

    Args:
        root (str): Output root (the ``LaSOTBenchmark``-like folder).
        num_seqs (int): Number of sequences. Defaults to 2.
        num_frames (int): Frames per sequence. Defaults to 40.
        img_size (tuple[int, int]): Image (height, width). Defaults to (160, 256).
        seed (int): Seed; same seed, same bytes. Defaults to 0.

    Returns:
        list[str]: Paths of the sequence folders.
    """
    if num_seqs < 1 or num_frames < 1:
        raise ValueError(f'num_seqs and num_frames must be positive, got {num_seqs}, '
                         f'{num_frames}')
    height, width = int(img_size[0]), int(img_size[1])
    if height < 48 or width < 48:
        raise ValueError(f'img_size must be at least 48x48, got {img_size}')
    paths = []
    for i in range(num_seqs):
        cls = SOT_CLASSES[i % len(SOT_CLASSES)]
        final_dir = osp.join(root, cls, f'{cls}-{i // len(SOT_CLASSES) + 1}')
        tmp = fresh_tmp_dir(final_dir)
        try:
            _write_sot_sequence(tmp, cls, sequence_rng(seed, 'sot', i, 0), num_frames, height,
                                width, may_leave=(i + i // 2) % 2 == 1)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        replace_dir(tmp, final_dir)
        paths.append(final_dir)
    # like the LaSOT toolkit's list of test videos: every second sequence
    test_names = [osp.basename(p) for i, p in enumerate(paths) if i % 2 == 1]
    tmp_list = osp.join(root, '.testing_set.txt.tmp')
    with open(tmp_list, 'w') as f:
        f.writelines(f'{name}\n' for name in test_names)
    os.replace(tmp_list, osp.join(root, 'testing_set.txt'))
    return paths


def _write_sot_sequence(out_dir: str, cls: str, rng: np.random.Generator, num_frames: int,
                        height: int, width: int, may_leave: bool) -> None:
    os.makedirs(osp.join(out_dir, 'img'))
    scene = SyntheticScene(rng, (height, width))
    w, h = scene.random_size()
    if cls == 'ball':
        w = h = int(round((w + h) / 2))
    # widened horizontal bounds let the target get fully out for about w / speed frames
    margin = 1.5 * w + scene.jitter if may_leave else 0.0
    bounds = (-margin, 0.0, width + margin, float(height))
    speed = rng.uniform(1.5, 2.5)
    if may_leave:
        # start near the left or right border heading out: it leaves, bounces
        # on the widened bounds and comes back
        to_left = bool(rng.random() < 0.5)
        pos = (0.8 * w if to_left else width - 0.8 * w, rng.uniform(h, height - h))
        vel = (-speed if to_left else speed, rng.uniform(-0.3, 0.3))
    else:
        angle = rng.uniform(0, 2 * np.pi)
        pos = (rng.uniform(w, width - w), rng.uniform(h, height - h))
        vel = (speed * np.cos(angle), speed * np.sin(angle))
    target = scene.add_object(w, h, pos, vel, bounds=bounds,
                              shape='ellipse' if cls == 'ball' else 'rect', z=1.0)
    for _ in range(2):
        obj = scene.add_random_object(inside=True, bounce=True)
        obj.z = float(rng.uniform(0.0, 2.0))
    # a tall occluder sweeping across the image, in front of everything
    occ_w, occ_h = int(rng.integers(24, 40)), height + 8
    from_left = bool(rng.random() < 0.5)
    occ_vx = width / max(num_frames, 1) * rng.uniform(0.8, 1.2) * (1 if from_left else -1)
    occluder = scene.add_object(
        occ_w, occ_h, (-occ_w / 2 + 2 if from_left else width + occ_w / 2 - 2, height / 2),
        (occ_vx, 0.0), shape='rect', z=3.0, scale_rate=1.0)
    occluder.acc_std = 0.0
    occluder.max_speed = abs(occ_vx) + 1.0
    boxes, full_occ, out_of_view = [], [], []
    for frame in range(1, num_frames + 1):
        if frame > 1:
            scene.step()
        rendered = scene.render()
        write_jpeg(osp.join(out_dir, 'img', f'{frame:08d}.jpg'), rendered.image)
        view = next((v for v in rendered.views if v.obj_id == target.obj_id), None)
        in_image = view is not None and _inside_silhouette(rendered, target, view)
        if in_image:
            x1, y1, x2, y2 = view.box
            boxes.append(f'{x1},{y1},{x2 - x1},{y2 - y1}')
            full_occ.append('1' if view.visible_area == 0 else '0')
            out_of_view.append('0')
        else:
            boxes.append('0,0,0,0')
            full_occ.append('0')
            out_of_view.append('1')
    with open(osp.join(out_dir, 'groundtruth.txt'), 'w') as f:
        f.write('\n'.join(boxes) + '\n')
    with open(osp.join(out_dir, 'full_occlusion.txt'), 'w') as f:
        f.write(','.join(full_occ) + '\n')
    with open(osp.join(out_dir, 'out_of_view.txt'), 'w') as f:
        f.write(','.join(out_of_view) + '\n')
    shape = 'ellipse' if cls == 'ball' else 'rectangle'
    with open(osp.join(out_dir, 'nlp.txt'), 'w') as f:
        f.write(f'the striped {shape} that starts in the middle of the first frame\n')


def _inside_silhouette(rendered, target, view) -> bool:
    """Whether any silhouette pixel of the target lies inside the image.

    A view exists when the clipped sprite rectangle is at least 2x2; for an
    ellipse the rectangle corner can be inside while the silhouette is not, so
    the silhouette is tested explicitly (visible or hidden by nearer objects).
    """
    if view.visible_area > 0:
        return True
    w, h = target.current_size()
    mask = cv2.resize(target.mask.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST)
    fx1, fy1 = view.full_box[:2]
    x1, y1, x2, y2 = view.box
    return bool(mask[y1 - fy1:y2 - fy1, x1 - fx1:x2 - fx1].any())
