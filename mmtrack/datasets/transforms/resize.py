"""Resize and RandomResize."""

from __future__ import annotations

from typing import Optional, Sequence, Union

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness

from mmtrack.registry import TRANSFORMS

from .box_utils import clip_boxes, resize_masks

INTERPOLATIONS = {
    "nearest": cv2.INTER_NEAREST,
    "bilinear": cv2.INTER_LINEAR,
    "bicubic": cv2.INTER_CUBIC,
    "area": cv2.INTER_AREA,
    "lanczos": cv2.INTER_LANCZOS4,
}


def rescale_size(old_wh: tuple[int, int], scale: Union[float, Sequence[int]]) -> tuple[int, int]:
    """Size ``(w, h)`` after a keep-ratio rescale (as ``mmcv.rescale_size``).

    Args:
        old_wh: ``(w, h)`` of the image.
        scale: a factor, or ``(long, short)`` edge limits in any order: the
            image is scaled so that its long edge is at most ``max(scale)``
            and its short edge at most ``min(scale)``.
    """
    w, h = old_wh
    if isinstance(scale, (int, float)):
        factor = float(scale)
    else:
        factor = min(max(scale) / max(h, w), min(scale) / min(h, w))
    return int(w * factor + 0.5), int(h * factor + 0.5)


@TRANSFORMS.register_module()
class Resize(BaseTransform):
    """Resize the image, boxes and masks.

    Required keys: ``img``. Modified: ``img``, ``img_shape``, ``gt_bboxes``,
    ``gt_masks``. Added: ``scale`` ``(w, h)``, ``scale_factor``
    ``(w_scale, h_scale)`` (multiplied into an existing one so that it always
    maps original to current coordinates), ``keep_ratio``.

    Args:
        scale: target ``(w, h)``; with ``keep_ratio`` the ``(long, short)``
            edge limits. Either this or ``scale_factor``. Defaults to None.
        scale_factor: factor (or ``(w, h)`` factors) applied to the image
            size instead. Defaults to None.
        keep_ratio: keep the aspect ratio. Defaults to False.
        clip_object_border: clip boxes to the image. Defaults to True.
        interpolation: image interpolation. Defaults to 'bilinear'.
    """

    def __init__(
        self,
        scale: Optional[Union[int, Sequence[int]]] = None,
        scale_factor: Optional[Union[float, Sequence[float]]] = None,
        keep_ratio: bool = False,
        clip_object_border: bool = True,
        interpolation: str = "bilinear",
    ) -> None:
        if (scale is None) == (scale_factor is None):
            raise ValueError("Resize needs exactly one of 'scale' and 'scale_factor'")
        if isinstance(scale, int):
            scale = (scale, scale)
        self.scale = None if scale is None else tuple(scale)
        self.scale_factor = scale_factor
        self.keep_ratio = keep_ratio
        self.clip_object_border = clip_object_border
        if interpolation not in INTERPOLATIONS:
            raise ValueError(f"Resize: unknown interpolation {interpolation!r}")
        self.interpolation = interpolation

    def _target_size(self, w: int, h: int, scale: Optional[tuple]) -> tuple[int, int]:
        if scale is None:
            sf = self.scale_factor
            if isinstance(sf, (int, float)):
                return rescale_size((w, h), float(sf))
            return int(w * sf[0] + 0.5), int(h * sf[1] + 0.5)
        if self.keep_ratio:
            return rescale_size((w, h), scale)
        return int(scale[0]), int(scale[1])

    def _resize(self, results: dict, scale: Optional[tuple]) -> dict:
        img = results["img"]
        h, w = img.shape[:2]
        new_w, new_h = self._target_size(w, h, scale)
        results["img"] = cv2.resize(
            img, (new_w, new_h), interpolation=INTERPOLATIONS[self.interpolation]
        )
        w_scale, h_scale = new_w / w, new_h / h
        results["img_shape"] = (new_h, new_w)
        results["scale"] = (new_w, new_h)
        old = results.get("scale_factor", (1.0, 1.0))
        results["scale_factor"] = (old[0] * w_scale, old[1] * h_scale)
        results["keep_ratio"] = self.keep_ratio
        if results.get("gt_bboxes") is not None:
            boxes = results["gt_bboxes"] * np.array(
                [w_scale, h_scale, w_scale, h_scale], np.float32
            )
            if self.clip_object_border:
                boxes = clip_boxes(boxes, (new_h, new_w))
            results["gt_bboxes"] = boxes.astype(np.float32)
        if results.get("gt_masks") is not None:
            results["gt_masks"] = resize_masks(results["gt_masks"], (new_w, new_h))
        return results

    def transform(self, results: dict) -> dict:
        return self._resize(results, self.scale)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(scale={self.scale}, scale_factor={self.scale_factor}, "
            f"keep_ratio={self.keep_ratio}, clip_object_border={self.clip_object_border})"
        )


@TRANSFORMS.register_module()
class RandomResize(Resize):
    """Resize to a random scale (drawn once per clip under a shared broadcaster).

    * ``ratio_range=(lo, hi)``: ``scale = (int(w * r), int(h * r))`` with
      ``r ~ U(lo, hi)`` and ``scale = (w, h)``.
    * else ``scale = [(w1, h1), (w2, h2)]``: ``w ~ randint[min, max]`` and
      ``h ~ randint[min, max]`` of the two.

    Args:
        scale: base scale ``(w, h)`` or a pair of scales.
        ratio_range: ``(lo, hi)`` ratio range. Defaults to None.
        keep_ratio: keep the aspect ratio. Defaults to False.
        clip_object_border: clip boxes to the image. Defaults to True.
        interpolation: image interpolation. Defaults to 'bilinear'.
        resize_type: kept for MMDetection configs; must be ``'Resize'``.
            Defaults to 'Resize'.
    """

    def __init__(
        self,
        scale: Sequence,
        ratio_range: Optional[Sequence[float]] = None,
        keep_ratio: bool = False,
        clip_object_border: bool = True,
        interpolation: str = "bilinear",
        resize_type: str = "Resize",
    ) -> None:
        if resize_type != "Resize":
            raise ValueError(
                f"RandomResize: only resize_type='Resize' is supported, got {resize_type!r}"
            )
        super().__init__(
            scale=(1, 1),
            keep_ratio=keep_ratio,
            clip_object_border=clip_object_border,
            interpolation=interpolation,
        )
        if ratio_range is not None:
            if len(scale) != 2 or not all(isinstance(s, (int, float)) for s in scale):
                raise ValueError(
                    f"RandomResize: 'scale' must be (w, h) with ratio_range, got {scale}"
                )
            if ratio_range[0] > ratio_range[1]:
                raise ValueError(f"RandomResize: bad 'ratio_range' {ratio_range}")
        elif len(scale) != 2 or not all(len(s) == 2 for s in scale):
            raise ValueError(f"RandomResize: 'scale' must be [(w1, h1), (w2, h2)], got {scale}")
        self.scale = tuple(tuple(s) if isinstance(s, (list, tuple)) else s for s in scale)
        self.ratio_range = None if ratio_range is None else tuple(ratio_range)

    @cache_randomness
    def _random_scale(self) -> tuple[int, int]:
        if self.ratio_range is not None:
            lo, hi = self.ratio_range
            ratio = np.random.random_sample() * (hi - lo) + lo
            return int(self.scale[0] * ratio), int(self.scale[1] * ratio)
        (w1, h1), (w2, h2) = self.scale
        w = np.random.randint(min(w1, w2), max(w1, w2) + 1)
        h = np.random.randint(min(h1, h2), max(h1, h2) + 1)
        return int(w), int(h)

    def transform(self, results: dict) -> dict:
        return self._resize(results, self._random_scale())

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(scale={self.scale}, ratio_range={self.ratio_range}, "
            f"keep_ratio={self.keep_ratio})"
        )
