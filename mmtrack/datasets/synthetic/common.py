"""Helpers shared by the synthetic data generators."""

from __future__ import annotations

import os
import os.path as osp
import shutil
import zlib

import cv2
import numpy as np


def sequence_rng(seed: int, tag: str, index: int, stream: int) -> np.random.Generator:
    """Return an independent, reproducible generator for one sequence.

    Args:
        seed (int): User seed.
        tag (str): Data set part (e.g. the split name), hashed with CRC32.
        index (int): Sequence index.
        stream (int): Sub-stream (0: scene, 1: detections, ...).
    """
    return np.random.default_rng([int(seed), zlib.crc32(tag.encode()), int(index), int(stream)])


def replace_dir(tmp_dir: str, final_dir: str) -> None:
    """Move a fully written ``tmp_dir`` to ``final_dir``, replacing an old copy."""
    if osp.isdir(final_dir):
        old = final_dir + '.old'
        if osp.exists(old):
            shutil.rmtree(old)
        os.replace(final_dir, old)
        os.replace(tmp_dir, final_dir)
        shutil.rmtree(old)
    else:
        os.replace(tmp_dir, final_dir)


def fresh_tmp_dir(final_dir: str) -> str:
    """Create an empty temporary directory next to ``final_dir``."""
    parent, name = osp.split(osp.abspath(final_dir))
    os.makedirs(parent, exist_ok=True)
    tmp = osp.join(parent, f'.{name}.tmp')
    if osp.exists(tmp):
        shutil.rmtree(tmp)
    os.makedirs(tmp)
    return tmp


def write_jpeg(path: str, image: np.ndarray) -> None:
    """Write a BGR image as JPEG (quality 95, no chroma subsampling).

    Chroma subsampling would wash out the colours of thin sprite stripes.
    """
    params = [cv2.IMWRITE_JPEG_QUALITY, 95,
              cv2.IMWRITE_JPEG_SAMPLING_FACTOR, cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444]
    if not cv2.imwrite(path, image, params):
        raise OSError(f'{path}: cannot write image')
