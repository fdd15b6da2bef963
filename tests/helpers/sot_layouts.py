"""Tiny single-object-tracking benchmarks in their native folder layouts, for tests.

Each writer puts frames (real small JPEGs, or empty files with
``real_images=False``) and annotation files where the benchmark keeps them.
"""

from __future__ import annotations

import os
import os.path as osp
from collections.abc import Sequence

import cv2
import numpy as np


def write_frames(
    folder: str,
    frame_ids: Sequence[int],
    template: str,
    size: tuple[int, int] = (24, 32),
    real_images: bool = True,
) -> list[str]:
    """Write one frame per id, named ``template % id``.

    Frame ``k`` of the list is a flat grey image of value ``10 * k + 5`` (so
    tests can tell frames apart), or an empty file when ``real_images`` is False.

    Args:
        folder (str): Output folder (created).
        frame_ids (Sequence[int]): Frame numbers.
        template (str): ``%``-template of the file names, e.g. ``'%08d.jpg'``.
        size (tuple[int, int]): Image ``(height, width)``. Defaults to (24, 32).
        real_images (bool): Write JPEGs; else empty files. Defaults to True.

    Returns:
        list[str]: Paths written.
    """
    os.makedirs(folder, exist_ok=True)
    paths = []
    for k, frame in enumerate(frame_ids):
        path = osp.join(folder, template % frame)
        if real_images:
            img = np.full((size[0], size[1], 3), (10 * k + 5) % 256, dtype=np.uint8)
            cv2.imwrite(path, img)
        else:
            open(path, "w").close()
        paths.append(path)
    return paths


def write_rows(path: str, rows: Sequence[Sequence[float]], sep: str = ",") -> None:
    """Write one row of numbers per line (integers without a decimal point)."""
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        for row in rows:
            f.write(sep.join(_fmt(v) for v in row) + "\n")


def _fmt(value: float) -> str:
    if isinstance(value, str):
        return value
    if np.isnan(value):
        return "NaN"
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def make_lasot_video(
    root: str,
    name: str,
    boxes: Sequence[Sequence[float]],
    full_occlusion: Sequence[int] | None = None,
    out_of_view: Sequence[int] | None = None,
    real_images: bool = True,
) -> str:
    """One LaSOT video ``<root>/<class>/<name>`` with ``len(boxes)`` frames."""
    num = len(boxes)
    video_dir = osp.join(root, name.rsplit("-", 1)[0], name)
    write_frames(osp.join(video_dir, "img"), range(1, num + 1), "%08d.jpg", real_images=real_images)
    write_rows(osp.join(video_dir, "groundtruth.txt"), boxes)
    for fname, flags in (("full_occlusion.txt", full_occlusion), ("out_of_view.txt", out_of_view)):
        flags = [0] * num if flags is None else flags
        with open(osp.join(video_dir, fname), "w") as f:
            f.write(",".join(str(int(v)) for v in flags))
    return video_dir


def make_got10k_video(
    root: str,
    split: str,
    name: str,
    boxes: Sequence[Sequence[float]],
    num_frames: int | None = None,
    absence: Sequence[int] | None = None,
    cover: Sequence[int] | None = None,
    real_images: bool = True,
) -> str:
    """One GOT-10k video ``<root>/<split>/<name>`` (appended to ``list.txt``)."""
    num = len(boxes) if num_frames is None else num_frames
    video_dir = osp.join(root, split, name)
    write_frames(video_dir, range(1, num + 1), "%08d.jpg", real_images=real_images)
    write_rows(osp.join(video_dir, "groundtruth.txt"), boxes)
    if absence is not None:
        write_rows(osp.join(video_dir, "absence.label"), [[v] for v in absence])
    if cover is not None:
        write_rows(osp.join(video_dir, "cover.label"), [[v] for v in cover])
    with open(osp.join(root, split, "list.txt"), "a") as f:
        f.write(name + "\n")
    return video_dir


def make_trackingnet_video(
    root: str,
    chunk: str,
    name: str,
    boxes: Sequence[Sequence[float]],
    num_frames: int | None = None,
    real_images: bool = True,
) -> str:
    """One TrackingNet video ``<root>/<chunk>/frames/<name>/0.jpg ...``."""
    num = len(boxes) if num_frames is None else num_frames
    video_dir = osp.join(root, chunk, "frames", name)
    write_frames(video_dir, range(num), "%d.jpg", real_images=real_images)
    write_rows(osp.join(root, chunk, "anno", f"{name}.txt"), boxes)
    return video_dir


def make_otb_video(
    root: str,
    name: str,
    num_frames: int,
    gt_files: dict[str, Sequence[Sequence[float]]],
    sep: str = ",",
    real_images: bool = False,
) -> str:
    """One OTB video ``<root>/<name>/img`` with the given ``groundtruth_rect*`` files."""
    template = "%05d.jpg" if name == "Board" else "%04d.jpg"
    video_dir = osp.join(root, name)
    write_frames(
        osp.join(video_dir, "img"), range(1, num_frames + 1), template, real_images=real_images
    )
    for fname, rows in gt_files.items():
        write_rows(osp.join(video_dir, fname), rows, sep)
    return video_dir


def make_uav123_sequence(
    root: str,
    folder: str,
    num_frames: int,
    annos: dict[str, Sequence[Sequence[float]]],
    real_images: bool = False,
) -> None:
    """A UAV123 frame folder and its box files ``anno/UAV123/<name>.txt``."""
    write_frames(
        osp.join(root, "data_seq", "UAV123", folder),
        range(1, num_frames + 1),
        "%06d.jpg",
        real_images=real_images,
    )
    for name, rows in annos.items():
        write_rows(osp.join(root, "anno", "UAV123", f"{name}.txt"), rows)


def make_vot_video(
    root: str, name: str, regions: Sequence[Sequence[float]], real_images: bool = True
) -> str:
    """One VOT sequence ``<root>/data/<name>/{color, groundtruth.txt}``."""
    video_dir = osp.join(root, "data", name)
    write_frames(
        osp.join(video_dir, "color"),
        range(1, len(regions) + 1),
        "%08d.jpg",
        real_images=real_images,
    )
    write_rows(osp.join(video_dir, "groundtruth.txt"), regions)
    return video_dir
