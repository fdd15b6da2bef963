"""Small hand-made CocoVID files and images for dataset and pipeline tests."""

from __future__ import annotations

import json
import os
import os.path as osp
from typing import Optional, Sequence

import cv2
import numpy as np


def object_box(obj: int, frame: int) -> list[float]:
    """``[x, y, w, h]`` of object ``obj`` in frame ``frame`` of :func:`make_cocovid`.

    Object ``k`` moves right by 3 px per frame: ``x = 2 + 3 f + 10 k``,
    ``y = 4 + 5 k``, ``w = 6 + k``, ``h = 8``.
    """
    return [2.0 + 3.0 * frame + 10.0 * obj, 4.0 + 5.0 * obj, 6.0 + obj, 8.0]


def write_image(path: str, height: int, width: int, seed: int) -> np.ndarray:
    """Write a deterministic random BGR PNG and return its pixels ``(H, W, 3)`` uint8."""
    rng = np.random.default_rng(seed)
    img = rng.integers(0, 256, size=(height, width, 3), dtype=np.uint8)
    os.makedirs(osp.dirname(path), exist_ok=True)
    cv2.imwrite(path, img)
    return img


def make_cocovid(
    root: str,
    video_lengths: Sequence[int] = (5, 3),
    img_size: tuple[int, int] = (40, 64),
    num_objects: int = 2,
    categories: Sequence[str] = ("pedestrian",),
    write_images: bool = True,
    empty_frames: Sequence[tuple[int, int]] = (),
    ann_extra: Optional[dict] = None,
    file_name: str = "ann.json",
) -> str:
    """Write a CocoVID JSON file (and PNG frames) under ``root``.

    Video ``v`` (ids from 1) is named ``vid{v}``; its frame ``f`` is
    ``vid{v}/{f:06d}.png`` with image id ``100 * v + f`` and ``frame_id = f``.
    Every frame holds ``num_objects`` boxes :func:`object_box` with
    ``instance_id = 10 * v + k`` and ``category_id = 1``, except frames listed
    in ``empty_frames`` as ``(video_id, frame_id)``. ``ann_extra`` fields are
    added to every annotation.

    Returns:
        str: path of the JSON file.
    """
    h, w = img_size
    data: dict = dict(
        videos=[],
        images=[],
        annotations=[],
        categories=[dict(id=i + 1, name=n) for i, n in enumerate(categories)],
    )
    ann_id = 1
    for v, length in enumerate(video_lengths, start=1):
        data["videos"].append(dict(id=v, name=f"vid{v}"))
        for f in range(length):
            img_id = 100 * v + f
            name = f"vid{v}/{f:06d}.png"
            data["images"].append(
                dict(id=img_id, video_id=v, frame_id=f, file_name=name, height=h, width=w)
            )
            if write_images:
                write_image(osp.join(root, name), h, w, seed=img_id)
            if (v, f) in set(map(tuple, empty_frames)):
                continue
            for k in range(num_objects):
                box = object_box(k, f)
                ann = dict(
                    id=ann_id,
                    image_id=img_id,
                    video_id=v,
                    category_id=1,
                    instance_id=10 * v + k,
                    bbox=box,
                    area=box[2] * box[3],
                    iscrowd=False,
                )
                ann.update(ann_extra or {})
                data["annotations"].append(ann)
                ann_id += 1
    os.makedirs(root, exist_ok=True)
    path = osp.join(root, file_name)
    with open(path, "w") as f:
        json.dump(data, f)
    return path
