"""Decoding of COCO-style instance masks into boolean bitmaps.

Masks travel through the pipelines as ``gt_masks``: a numpy ``bool`` array of
shape ``(N, H, W)`` (one full-image bitmap per instance), and are packed as a
``torch.bool`` tensor of the same shape into ``InstanceData.masks``.
"""

from __future__ import annotations

from typing import Union

import numpy as np
from pycocotools import mask as mask_api

MaskAnn = Union[list, dict]


def mask_ann_to_bitmap(mask_ann: MaskAnn, height: int, width: int, where: str = "") -> np.ndarray:
    """Decode one COCO segmentation (polygons, RLE or compressed RLE).

    Args:
        mask_ann: ``[[x1, y1, x2, y2, ...], ...]`` polygons in pixels, or an RLE
            dict with ``size`` ``[h, w]`` and ``counts`` (list or string).
        height: image height.
        width: image width.
        where: text naming the annotation, for error messages.

    Returns:
        np.ndarray: ``(height, width)`` bool bitmap.

    Raises:
        ValueError: malformed polygon or RLE.
    """
    if isinstance(mask_ann, list):
        polys = [p for p in mask_ann]
        for p in polys:
            if not isinstance(p, (list, tuple)) or len(p) < 6 or len(p) % 2 != 0:
                raise ValueError(
                    f"{where}: field 'mask' holds a malformed polygon (needs an even number "
                    f">= 6 of coordinates): {p!r}"
                )
        if not polys:
            return np.zeros((height, width), dtype=bool)
        rles = mask_api.frPyObjects([list(map(float, p)) for p in polys], height, width)
        rle = mask_api.merge(rles)
    elif isinstance(mask_ann, dict):
        if "counts" not in mask_ann or "size" not in mask_ann:
            raise ValueError(
                f"{where}: field 'mask' RLE needs 'counts' and 'size', got {list(mask_ann)}"
            )
        if isinstance(mask_ann["counts"], list):
            rle = mask_api.frPyObjects(mask_ann, height, width)
        else:
            counts = mask_ann["counts"]
            rle = dict(
                size=mask_ann["size"],
                counts=counts.encode("ascii") if isinstance(counts, str) else counts,
            )
    else:
        raise ValueError(
            f"{where}: field 'mask' must be polygons or RLE, got {type(mask_ann).__name__}"
        )
    bitmap = mask_api.decode(rle)
    if bitmap.shape[:2] != (height, width):
        raise ValueError(
            f"{where}: field 'mask' decodes to size {bitmap.shape[:2]}, image is {(height, width)}"
        )
    return bitmap.astype(bool)


def empty_masks(height: int, width: int) -> np.ndarray:
    """A ``(0, height, width)`` bool array."""
    return np.zeros((0, height, width), dtype=bool)
