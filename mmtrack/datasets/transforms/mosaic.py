"""YOLOX-style Mosaic of four images."""

from __future__ import annotations

import random
from typing import Sequence

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness

from mmtrack.registry import TRANSFORMS

from .box_utils import boxes_inside, clip_boxes

_GT_KEYS = ("gt_bboxes_labels", "gt_ignore_flags", "gt_instances_ids")


def _quadrant_regions(
    loc: int, center: tuple[int, int], img_wh: tuple[int, int], canvas_wh: tuple[int, int]
) -> tuple[tuple[int, int, int, int], tuple[int, int, int, int]]:
    """Paste region on the canvas and crop region of the image for one quadrant.

    ``loc`` 0..3 is top-left, top-right, bottom-left, bottom-right: the image
    is placed with its bottom-right, bottom-left, top-right or top-left corner
    on ``center`` and cut at the canvas border.

    Returns:
        ``(x1, y1, x2, y2)`` on the canvas and ``(x1, y1, x2, y2)`` in the image.
    """
    cx, cy = center
    w, h = img_wh
    cw, ch = canvas_wh
    left, top = loc in (0, 2), loc in (0, 1)
    x1, x2 = (max(cx - w, 0), cx) if left else (cx, min(cx + w, cw))
    y1, y2 = (max(cy - h, 0), cy) if top else (cy, min(cy + h, ch))
    # the part of the image that lands in the paste region
    ix1 = w - (x2 - x1) if left else 0
    iy1 = h - (y2 - y1) if top else 0
    return (x1, y1, x2, y2), (ix1, iy1, ix1 + (x2 - x1), iy1 + (y2 - y1))


@TRANSFORMS.register_module()
class Mosaic(BaseTransform):
    """Mosaic of the current image and three others (YOLOX training).

    Needs ``results['mix_results']`` with three other samples, provided by
    :class:`~mmtrack.datasets.MultiImageMixDataset` through
    :meth:`get_indexes`. Steps:

    1. a ``(2h, 2w)`` canvas filled with ``pad_val`` and a random centre
       ``(U(*center_ratio_range) * w, U(*center_ratio_range) * h)``, with
       ``(w, h) = img_scale``;
    2. each image resized by ``min(h / h_i, w / w_i)`` and put in its quadrant
       with a corner on the centre (cut at the canvas border);
    3. boxes scaled and shifted the same way, clipped to the canvas when
       ``bbox_clip_border``, and those outside the canvas dropped.

    Args:
        img_scale: ``(w, h)`` of each image before mosaic. Defaults to (640, 640).
        center_ratio_range: range of the centre position ratio. Defaults to (0.5, 1.5).
        bbox_clip_border: clip boxes to the canvas. Defaults to True.
        pad_val: canvas fill value. Defaults to 114.0.
        prob: probability of applying the mosaic. Defaults to 1.0.
    """

    def __init__(
        self,
        img_scale: Sequence[int] = (640, 640),
        center_ratio_range: Sequence[float] = (0.5, 1.5),
        bbox_clip_border: bool = True,
        pad_val: float = 114.0,
        prob: float = 1.0,
    ) -> None:
        if not 0.0 <= prob <= 1.0:
            raise ValueError(f"Mosaic: 'prob' must be in [0, 1], got {prob}")
        self.img_scale = tuple(img_scale)
        self.center_ratio_range = tuple(center_ratio_range)
        self.bbox_clip_border = bbox_clip_border
        self.pad_val = pad_val
        self.prob = prob

    @cache_randomness
    def get_indexes(self, dataset) -> list[int]:  # noqa: ANN001
        """Three random indexes of ``dataset`` to mix with."""
        return [random.randint(0, len(dataset) - 1) for _ in range(3)]

    @cache_randomness
    def _random_state(self) -> tuple[float, float, float]:
        return (
            random.uniform(0, 1),
            random.uniform(*self.center_ratio_range),
            random.uniform(*self.center_ratio_range),
        )

    def transform(self, results: dict) -> dict:
        apply, rx, ry = self._random_state()
        if apply > self.prob:
            return results
        if results.get("gt_masks") is not None:
            raise ValueError("Mosaic supports boxes only; drop 'with_mask' from the pipeline")
        if len(results.get("mix_results", [])) != 3:
            raise ValueError("Mosaic needs 'mix_results' with 3 samples (use MultiImageMixDataset)")
        w, h = self.img_scale
        canvas_wh = (2 * w, 2 * h)
        img0 = results["img"]
        canvas = np.full((2 * h, 2 * w) + img0.shape[2:], self.pad_val, dtype=img0.dtype)
        center = (int(rx * w), int(ry * h))
        boxes, extras = [], {k: [] for k in _GT_KEYS}
        samples = [results, *results["mix_results"]]
        for loc, sample in enumerate(samples):
            img = sample["img"]
            hi, wi = img.shape[:2]
            ratio = min(h / hi, w / wi)
            new_wh = (int(wi * ratio), int(hi * ratio))
            img = cv2.resize(img, new_wh)
            (px1, py1, px2, py2), (ix1, iy1, ix2, iy2) = _quadrant_regions(
                loc, center, new_wh, canvas_wh
            )
            canvas[py1:py2, px1:px2] = img[iy1:iy2, ix1:ix2]
            b = sample.get("gt_bboxes", np.zeros((0, 4), np.float32)) * ratio
            b = b + np.array([px1 - ix1, py1 - iy1, px1 - ix1, py1 - iy1], np.float32)
            boxes.append(b.astype(np.float32))
            n = len(b)
            for k in _GT_KEYS:
                if k in results:
                    extras[k].append(sample.get(k, np.zeros(n, results[k].dtype)))
        bboxes = np.concatenate(boxes, axis=0)
        if self.bbox_clip_border:
            bboxes = clip_boxes(bboxes, (2 * h, 2 * w))
        keep = boxes_inside(bboxes, (2 * h, 2 * w))
        results["img"] = canvas
        results["img_shape"] = canvas.shape[:2]
        results["gt_bboxes"] = bboxes[keep]
        for k in _GT_KEYS:
            if k in results:
                results[k] = np.concatenate(extras[k], axis=0)[keep]
        results.pop("mix_results", None)
        return results

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(img_scale={self.img_scale}, "
            f"center_ratio_range={self.center_ratio_range}, pad_val={self.pad_val}, "
            f"prob={self.prob})"
        )
