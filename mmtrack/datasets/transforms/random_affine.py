"""YOLOX-style RandomAffine."""

from __future__ import annotations

import math
import random
from typing import Sequence

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness

from mmtrack.registry import TRANSFORMS

from .box_utils import boxes_inside, clip_boxes, filter_instances, project_boxes


def affine_matrix(
    rotate_deg: float,
    scale: float,
    shear_x_deg: float,
    shear_y_deg: float,
    translate_x: float,
    translate_y: float,
) -> np.ndarray:
    """``T @ Sh @ R @ S``: scale, rotate (about the origin), shear, translate.

    Returns:
        np.ndarray: ``(3, 3)`` float32 matrix acting on ``(x, y, 1)`` columns.
    """
    r = math.radians(rotate_deg)
    rotation = np.array([[math.cos(r), -math.sin(r), 0], [math.sin(r), math.cos(r), 0], [0, 0, 1]])
    scaling = np.diag([scale, scale, 1.0])
    shear = np.array(
        [
            [1, math.tan(math.radians(shear_x_deg)), 0],
            [math.tan(math.radians(shear_y_deg)), 1, 0],
            [0, 0, 1],
        ]
    )
    translation = np.array([[1, 0, translate_x], [0, 1, translate_y], [0, 0, 1]])
    return (translation @ shear @ rotation @ scaling).astype(np.float32)


@TRANSFORMS.register_module()
class RandomAffine(BaseTransform):
    """Random rotation, scaling, shear and translation (as MMDetection's YOLOX).

    The output size is the input size plus ``2 * border`` (``border = (bw,
    bh)``; negative borders shrink it, e.g. ``(-w/2, -h/2)`` after Mosaic).
    Boxes are mapped by their four corners, clipped when
    ``bbox_clip_border``, and dropped when they leave the image.

    Args:
        max_rotate_degree: rotation range ``[-d, d]``. Defaults to 10.0.
        max_translate_ratio: translation range as a ratio of the output size.
            Defaults to 0.1.
        scaling_ratio_range: scale range. Defaults to (0.5, 1.5).
        max_shear_degree: shear range. Defaults to 2.0.
        border: ``(bw, bh)`` output border. Defaults to (0, 0).
        border_val: fill colour. Defaults to (114, 114, 114).
        bbox_clip_border: clip boxes. Defaults to True.
    """

    def __init__(
        self,
        max_rotate_degree: float = 10.0,
        max_translate_ratio: float = 0.1,
        scaling_ratio_range: Sequence[float] = (0.5, 1.5),
        max_shear_degree: float = 2.0,
        border: Sequence[int] = (0, 0),
        border_val: Sequence[int] = (114, 114, 114),
        bbox_clip_border: bool = True,
    ) -> None:
        if not 0 <= max_translate_ratio <= 1:
            raise ValueError(
                f"RandomAffine: max_translate_ratio must be in [0, 1], got {max_translate_ratio}"
            )
        if not 0 < scaling_ratio_range[0] <= scaling_ratio_range[1]:
            raise ValueError(f"RandomAffine: bad scaling_ratio_range {scaling_ratio_range}")
        self.max_rotate_degree = max_rotate_degree
        self.max_translate_ratio = max_translate_ratio
        self.scaling_ratio_range = tuple(scaling_ratio_range)
        self.max_shear_degree = max_shear_degree
        self.border = tuple(border)
        self.border_val = tuple(border_val)
        self.bbox_clip_border = bbox_clip_border

    @cache_randomness
    def _random_matrix(self, height: int, width: int) -> np.ndarray:
        rot = random.uniform(-self.max_rotate_degree, self.max_rotate_degree)
        scale = random.uniform(*self.scaling_ratio_range)
        shx = random.uniform(-self.max_shear_degree, self.max_shear_degree)
        shy = random.uniform(-self.max_shear_degree, self.max_shear_degree)
        tx = random.uniform(-self.max_translate_ratio, self.max_translate_ratio) * width
        ty = random.uniform(-self.max_translate_ratio, self.max_translate_ratio) * height
        return affine_matrix(rot, scale, shx, shy, tx, ty)

    def transform(self, results: dict) -> dict:
        if results.get("gt_masks") is not None:
            raise ValueError("RandomAffine supports boxes only; drop 'with_mask' from the pipeline")
        img = results["img"]
        height = img.shape[0] + self.border[1] * 2
        width = img.shape[1] + self.border[0] * 2
        matrix = self._random_matrix(height, width)
        results["img"] = cv2.warpPerspective(
            img, matrix, dsize=(width, height), borderValue=self.border_val
        )
        results["img_shape"] = (height, width)
        boxes = results.get("gt_bboxes")
        if boxes is not None and len(boxes):
            boxes = project_boxes(boxes, matrix)
            if self.bbox_clip_border:
                boxes = clip_boxes(boxes, (height, width))
            results["gt_bboxes"] = boxes
            filter_instances(results, boxes_inside(boxes, (height, width)))
        return results

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(max_rotate_degree={self.max_rotate_degree}, "
            f"max_translate_ratio={self.max_translate_ratio}, "
            f"scaling_ratio_range={self.scaling_ratio_range}, "
            f"max_shear_degree={self.max_shear_degree}, border={self.border})"
        )
