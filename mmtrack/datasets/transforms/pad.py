"""Pad."""

from __future__ import annotations

import math
from typing import Optional, Sequence, Union

import numpy as np
from mmcv.transforms import BaseTransform

from mmtrack.registry import TRANSFORMS


@TRANSFORMS.register_module()
class Pad(BaseTransform):
    """Pad the image (and masks) on the bottom and right.

    Boxes do not move. Modified keys: ``img``, ``img_shape`` (the padded
    shape, as mmcv), ``gt_masks`` (padded with False). Added: ``pad_shape``,
    ``pad_fixed_size``, ``pad_size_divisor``.

    Args:
        size: fixed padded size ``(w, h)``. Defaults to None.
        size_divisor: pad each side up to a multiple of it. Defaults to None.
        pad_to_square: pad to a square of the longer side. Defaults to False.
        pad_val: image fill value (number or ``dict(img=...)``). Defaults to 0.
    """

    def __init__(
        self,
        size: Optional[Sequence[int]] = None,
        size_divisor: Optional[int] = None,
        pad_to_square: bool = False,
        pad_val: Union[float, dict] = 0,
    ) -> None:
        if sum(x is not None and x is not False for x in (size, size_divisor)) == 0 and (
            not pad_to_square
        ):
            raise ValueError("Pad needs 'size', 'size_divisor' or 'pad_to_square'")
        if size is not None and size_divisor is not None:
            raise ValueError("Pad: give only one of 'size' and 'size_divisor'")
        self.size = None if size is None else tuple(size)
        self.size_divisor = size_divisor
        self.pad_to_square = pad_to_square
        self.pad_val = pad_val.get("img", 0) if isinstance(pad_val, dict) else pad_val

    def transform(self, results: dict) -> dict:
        img = results["img"]
        h, w = img.shape[:2]
        if self.pad_to_square:
            side = max(h, w)
            target_w, target_h = side, side
        elif self.size is not None:
            target_w, target_h = self.size
        else:
            target_w, target_h = w, h
        if self.size_divisor is not None:
            d = self.size_divisor
            target_w = int(math.ceil(target_w / d)) * d
            target_h = int(math.ceil(target_h / d)) * d
        if target_w < w or target_h < h:
            raise ValueError(f"Pad: target size {(target_w, target_h)} smaller than image {(w, h)}")
        padded = np.full((target_h, target_w) + img.shape[2:], self.pad_val, dtype=img.dtype)
        padded[:h, :w] = img
        results["img"] = padded
        results["img_shape"] = (target_h, target_w)
        results["pad_shape"] = (target_h, target_w)
        results["pad_fixed_size"] = self.size
        results["pad_size_divisor"] = self.size_divisor
        masks = results.get("gt_masks")
        if masks is not None:
            out = np.zeros((len(masks), target_h, target_w), dtype=bool)
            out[:, : masks.shape[1], : masks.shape[2]] = masks
            results["gt_masks"] = out
        return results

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(size={self.size}, size_divisor={self.size_divisor}, "
            f"pad_to_square={self.pad_to_square}, pad_val={self.pad_val})"
        )
