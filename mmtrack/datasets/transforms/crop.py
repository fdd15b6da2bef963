"""RandomCrop."""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness

from mmtrack.registry import TRANSFORMS

from .box_utils import clip_boxes, filter_instances


@TRANSFORMS.register_module()
class RandomCrop(BaseTransform):
    """Crop a random ``crop_size`` window (the whole image when smaller).

    Boxes are shifted by the window offset; those left without area inside
    the window are dropped (with their labels, ids, flags and masks). With
    ``bbox_clip_border`` the kept boxes are clipped to the window.

    Args:
        crop_size: ``(h, w)`` of the window.
        allow_negative_crop: keep a window without any box (else return None
            so another sample is drawn). Defaults to False.
        bbox_clip_border: clip boxes to the window. Defaults to True.
    """

    def __init__(
        self,
        crop_size: Sequence[int],
        allow_negative_crop: bool = False,
        bbox_clip_border: bool = True,
    ) -> None:
        if len(crop_size) != 2 or min(crop_size) <= 0:
            raise ValueError(f"RandomCrop: 'crop_size' must be (h, w) > 0, got {crop_size}")
        self.crop_size = tuple(crop_size)
        self.allow_negative_crop = allow_negative_crop
        self.bbox_clip_border = bbox_clip_border

    @cache_randomness
    def _rand_offset(self, margin_h: int, margin_w: int) -> tuple[int, int]:
        return int(np.random.randint(0, margin_h + 1)), int(np.random.randint(0, margin_w + 1))

    def transform(self, results: dict) -> Optional[dict]:
        img = results["img"]
        h, w = img.shape[:2]
        crop_h, crop_w = min(self.crop_size[0], h), min(self.crop_size[1], w)
        off_h, off_w = self._rand_offset(max(h - crop_h, 0), max(w - crop_w, 0))
        results["img"] = np.ascontiguousarray(img[off_h : off_h + crop_h, off_w : off_w + crop_w])
        results["img_shape"] = (crop_h, crop_w)
        if results.get("gt_bboxes") is not None:
            boxes = results["gt_bboxes"] - np.array([off_w, off_h, off_w, off_h], np.float32)
            clipped = clip_boxes(boxes, (crop_h, crop_w))
            keep = (clipped[:, 2] > clipped[:, 0]) & (clipped[:, 3] > clipped[:, 1])
            results["gt_bboxes"] = (clipped if self.bbox_clip_border else boxes).astype(np.float32)
            if results.get("gt_masks") is not None:
                results["gt_masks"] = np.ascontiguousarray(
                    results["gt_masks"][:, off_h : off_h + crop_h, off_w : off_w + crop_w]
                )
            filter_instances(results, keep)
            if not keep.any() and not self.allow_negative_crop:
                return None
        return results

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(crop_size={self.crop_size}, "
            f"allow_negative_crop={self.allow_negative_crop}, "
            f"bbox_clip_border={self.bbox_clip_border})"
        )
