"""RandomFlip."""

from __future__ import annotations

from typing import Optional, Sequence, Union

import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness

from mmtrack.registry import TRANSFORMS

DIRECTIONS = ("horizontal", "vertical", "diagonal")


def flip_boxes(bboxes: np.ndarray, img_shape: tuple, direction: str) -> np.ndarray:
    """Flip ``(N, 4)`` x1y1x2y2 boxes inside an image of ``img_shape`` ``(h, w)``.

    Horizontal: ``x1' = w - x2``, ``x2' = w - x1``; vertical likewise with
    ``h``; diagonal: both.
    """
    h, w = img_shape[:2]
    out = bboxes.copy()
    if direction in ("horizontal", "diagonal"):
        out[:, 0] = w - bboxes[:, 2]
        out[:, 2] = w - bboxes[:, 0]
    if direction in ("vertical", "diagonal"):
        out[:, 1] = h - bboxes[:, 3]
        out[:, 3] = h - bboxes[:, 1]
    return out


def _flip_array(arr: np.ndarray, direction: str, h_axis: int, w_axis: int) -> np.ndarray:
    if direction == "horizontal":
        arr = np.flip(arr, axis=w_axis)
    elif direction == "vertical":
        arr = np.flip(arr, axis=h_axis)
    else:
        arr = np.flip(arr, axis=(h_axis, w_axis))
    return np.ascontiguousarray(arr)


@TRANSFORMS.register_module()
class RandomFlip(BaseTransform):
    """Flip the image, boxes and masks with probability ``prob``.

    Under ``TransformBroadcaster(share_random_params=True)`` the decision is
    drawn once per clip, so all frames are flipped or none.

    Modified keys: ``img``, ``gt_bboxes``, ``gt_masks``. Added: ``flip``
    (bool), ``flip_direction`` (str or None).

    Args:
        prob: flip probability, or one per direction (their sum <= 1).
        direction: ``'horizontal'``, ``'vertical'``, ``'diagonal'`` or a list
            matching ``prob``. Defaults to 'horizontal'.
    """

    def __init__(
        self,
        prob: Union[float, Sequence[float]],
        direction: Union[str, Sequence[str]] = "horizontal",
    ) -> None:
        probs = [prob] if isinstance(prob, (int, float)) else list(prob)
        dirs = [direction] if isinstance(direction, str) else list(direction)
        if isinstance(prob, (int, float)) and len(dirs) > 1:
            probs = [prob / len(dirs)] * len(dirs)
        if len(probs) != len(dirs):
            raise ValueError(f"RandomFlip: {len(probs)} probs for {len(dirs)} directions")
        if any(d not in DIRECTIONS for d in dirs):
            raise ValueError(f"RandomFlip: direction must be in {DIRECTIONS}, got {dirs}")
        if any(p < 0 for p in probs) or sum(probs) > 1 + 1e-9:
            raise ValueError(f"RandomFlip: probabilities must be >= 0 and sum to <= 1, got {probs}")
        self.prob = prob
        self.direction = direction
        self._probs = probs
        self._dirs = dirs

    @cache_randomness
    def _choose_direction(self) -> Optional[str]:
        u = np.random.random_sample()
        acc = 0.0
        for p, d in zip(self._probs, self._dirs):
            acc += p
            if u < acc:
                return d
        return None

    def transform(self, results: dict) -> dict:
        direction = self._choose_direction()
        results["flip"] = direction is not None
        results["flip_direction"] = direction
        if direction is None:
            return results
        img = results["img"]
        shape = img.shape[:2]
        results["img"] = _flip_array(img, direction, 0, 1)
        if results.get("gt_bboxes") is not None:
            results["gt_bboxes"] = flip_boxes(results["gt_bboxes"], shape, direction)
        if results.get("gt_masks") is not None:
            results["gt_masks"] = _flip_array(results["gt_masks"], direction, 1, 2)
        return results

    def __repr__(self) -> str:
        return f"{type(self).__name__}(prob={self.prob}, direction={self.direction})"
