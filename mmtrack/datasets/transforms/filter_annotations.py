"""FilterAnnotations."""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
from mmcv.transforms import BaseTransform

from mmtrack.registry import TRANSFORMS

from .box_utils import filter_instances


@TRANSFORMS.register_module()
class FilterAnnotations(BaseTransform):
    """Drop instances whose box is too small or whose mask is too small.

    Args:
        min_gt_bbox_wh: minimum ``(w, h)``; boxes must be strictly larger.
            Defaults to (1, 1).
        min_gt_mask_area: minimum mask area (pixels) when ``by_mask``. Defaults to 1.
        by_box: filter by box size. Defaults to True.
        by_mask: filter by mask area. Defaults to False.
        keep_empty: as MMDetection: when nothing is left, return None (so that
            the dataset draws another sample) if True, else the empty results.
            Defaults to True.
    """

    def __init__(
        self,
        min_gt_bbox_wh: Sequence[float] = (1, 1),
        min_gt_mask_area: int = 1,
        by_box: bool = True,
        by_mask: bool = False,
        keep_empty: bool = True,
    ) -> None:
        if not (by_box or by_mask):
            raise ValueError("FilterAnnotations: at least one of by_box and by_mask")
        self.min_gt_bbox_wh = tuple(min_gt_bbox_wh)
        self.min_gt_mask_area = min_gt_mask_area
        self.by_box = by_box
        self.by_mask = by_mask
        self.keep_empty = keep_empty

    def transform(self, results: dict) -> Optional[dict]:
        boxes = results.get("gt_bboxes")
        if boxes is None or len(boxes) == 0:
            return results
        keep = np.ones(len(boxes), dtype=bool)
        if self.by_box:
            w = boxes[:, 2] - boxes[:, 0]
            h = boxes[:, 3] - boxes[:, 1]
            keep &= (w > self.min_gt_bbox_wh[0]) & (h > self.min_gt_bbox_wh[1])
        if self.by_mask and results.get("gt_masks") is not None:
            keep &= results["gt_masks"].reshape(len(boxes), -1).sum(1) >= self.min_gt_mask_area
        if not keep.any() and self.keep_empty:
            return None
        filter_instances(results, keep)
        return results

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(min_gt_bbox_wh={self.min_gt_bbox_wh}, "
            f"by_box={self.by_box}, by_mask={self.by_mask}, keep_empty={self.keep_empty})"
        )
