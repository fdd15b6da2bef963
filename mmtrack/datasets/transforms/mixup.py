"""YOLOX-style MixUp of two images."""

from __future__ import annotations

import random
from typing import Sequence

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness

from mmtrack.registry import TRANSFORMS

from .box_utils import boxes_inside, clip_boxes
from .flip import flip_boxes

_GT_KEYS = ("gt_bboxes_labels", "gt_ignore_flags", "gt_instances_ids")


@TRANSFORMS.register_module()
class MixUp(BaseTransform):
    """MixUp with another sample (YOLOX training), as MMDetection.

    Needs ``results['mix_results']`` with one sample (from
    :class:`~mmtrack.datasets.MultiImageMixDataset`). Steps:

    1. the other image is resized by ``r = min(h / h_o, w / w_o)``
       (``(w, h) = img_scale``) into the top-left of a ``pad_val`` canvas
       ``(h, w)``, then the canvas is scaled by a jitter ``j ~ U(*ratio_range)``
       and flipped horizontally with probability ``flip_ratio``;
    2. a window of the current image's size is cut at a random offset
       ``(x0, y0)`` of the (zero-padded) canvas;
    3. image ``= 0.5 * current + 0.5 * window``; the other boxes are scaled
       by ``r * j``, clipped and flipped in the canvas, shifted by
       ``-(x0, y0)``, clipped to the image, and appended; boxes outside the
       image are dropped.

    Nothing happens when the other sample has no box.

    Args:
        img_scale: ``(w, h)``. Defaults to (640, 640).
        ratio_range: jitter range. Defaults to (0.5, 1.5).
        flip_ratio: flip probability of the other image. Defaults to 0.5.
        pad_val: canvas fill value. Defaults to 114.0.
        bbox_clip_border: clip boxes. Defaults to True.
    """

    def __init__(
        self,
        img_scale: Sequence[int] = (640, 640),
        ratio_range: Sequence[float] = (0.5, 1.5),
        flip_ratio: float = 0.5,
        pad_val: float = 114.0,
        bbox_clip_border: bool = True,
    ) -> None:
        self.img_scale = tuple(img_scale)
        self.ratio_range = tuple(ratio_range)
        self.flip_ratio = flip_ratio
        self.pad_val = pad_val
        self.bbox_clip_border = bbox_clip_border

    @cache_randomness
    def get_indexes(self, dataset) -> list[int]:  # noqa: ANN001
        """One random index of ``dataset`` to mix with."""
        return [random.randint(0, len(dataset) - 1)]

    @cache_randomness
    def _random_state(self) -> tuple[float, bool, float, float]:
        return (
            random.uniform(*self.ratio_range),
            random.uniform(0, 1) < self.flip_ratio,
            random.random(),
            random.random(),
        )

    def transform(self, results: dict) -> dict:
        mix = results.get("mix_results")
        if not mix or len(mix) != 1:
            raise ValueError("MixUp needs 'mix_results' with 1 sample (use MultiImageMixDataset)")
        if results.get("gt_masks") is not None:
            raise ValueError("MixUp supports boxes only; drop 'with_mask' from the pipeline")
        other = mix[0]
        other_boxes = other.get("gt_bboxes", np.zeros((0, 4), np.float32))
        results.pop("mix_results")
        if len(other_boxes) == 0:
            return results
        jitter, flip, u_y, u_x = self._random_state()
        w, h = self.img_scale
        oimg = other["img"]
        ratio = min(h / oimg.shape[0], w / oimg.shape[1])
        resized = cv2.resize(oimg, (int(oimg.shape[1] * ratio), int(oimg.shape[0] * ratio)))
        canvas = np.full((h, w) + oimg.shape[2:], self.pad_val, dtype=np.float32)
        canvas[: resized.shape[0], : resized.shape[1]] = resized
        canvas = cv2.resize(canvas, (int(w * jitter), int(h * jitter)))
        if canvas.ndim == 2:
            canvas = canvas[..., None]
        if flip:
            canvas = canvas[:, ::-1]
        img = results["img"]
        th, tw = img.shape[:2]
        ch, cw = canvas.shape[:2]
        padded = np.zeros((max(ch, th), max(cw, tw)) + canvas.shape[2:], np.float32)
        padded[:ch, :cw] = canvas
        y0 = int(u_y * (padded.shape[0] - th + 1)) if padded.shape[0] > th else 0
        x0 = int(u_x * (padded.shape[1] - tw + 1)) if padded.shape[1] > tw else 0
        window = padded[y0 : y0 + th, x0 : x0 + tw].reshape(img.shape)
        boxes = other_boxes * (ratio * jitter)
        if self.bbox_clip_border:
            boxes = clip_boxes(boxes, (ch, cw))
        if flip:
            boxes = flip_boxes(boxes, (ch, cw), "horizontal")
        boxes = boxes - np.array([x0, y0, x0, y0], np.float32)
        if self.bbox_clip_border:
            boxes = clip_boxes(boxes, (th, tw))
        mixed = 0.5 * img.astype(np.float32) + 0.5 * window
        results["img"] = mixed.astype(img.dtype)
        all_boxes = np.concatenate([results.get("gt_bboxes", np.zeros((0, 4))), boxes]).astype(
            np.float32
        )
        keep = boxes_inside(all_boxes, (th, tw))
        results["gt_bboxes"] = all_boxes[keep]
        for k in _GT_KEYS:
            if k in results:
                extra = other.get(k, np.zeros(len(boxes), results[k].dtype))
                results[k] = np.concatenate([results[k], extra])[keep]
        return results

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(img_scale={self.img_scale}, ratio_range={self.ratio_range}, "
            f"flip_ratio={self.flip_ratio}, pad_val={self.pad_val})"
        )
