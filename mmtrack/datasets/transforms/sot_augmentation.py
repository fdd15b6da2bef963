"""Photometric augmentations of SOT training (SiamRPN++, STARK, DiMP).

``SeqColorAug`` and ``SeqBlurAug`` read a dict of per-frame lists and draw
independently per frame; ``BrightnessAug`` and ``GrayAug`` act on one frame and
cache their random draw, so that ``TransformBroadcaster(share_random_params=True)``
applies the same draw to every frame of a clip.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness

from mmtrack.registry import TRANSFORMS

# PCA colour noise of SiamFC/SiamRPN++: rows are the RGB principal directions
# scaled by their standard deviations.
DEFAULT_RGB_VAR = (
    (-0.55919361, 0.98062831, -0.41940627),
    (1.72091413, 0.19879334, -1.82968581),
    (4.64467907, 4.73710203, 4.88324118),
)


@TRANSFORMS.register_module()
class SeqColorAug(BaseTransform):
    """PCA colour noise per frame.

    With probability ``prob[i]`` frame ``i`` becomes
    ``img - (rgb_var @ N(0, I_3))`` reversed to BGR order (float32).

    Required/modified key: ``img`` (list).

    Args:
        prob (Sequence[float]): Probability per frame. Defaults to (1.0, 1.0).
        rgb_var (Sequence[Sequence[float]]): ``(3, 3)`` colour noise matrix.
            Defaults to ``DEFAULT_RGB_VAR``.
    """

    def __init__(
        self,
        prob: Sequence[float] = (1.0, 1.0),
        rgb_var: Sequence[Sequence[float]] = DEFAULT_RGB_VAR,
    ) -> None:
        self.prob = list(prob)
        self.rgb_var = np.asarray(rgb_var, dtype=np.float32)
        if self.rgb_var.shape != (3, 3):
            raise ValueError(f"SeqColorAug rgb_var must be 3x3, got shape {self.rgb_var.shape}")

    def transform(self, results: dict) -> dict:
        """Add colour noise to the frames."""
        imgs = []
        for i, img in enumerate(results["img"]):
            if self.prob[i] > np.random.random():
                offset = (self.rgb_var @ np.random.randn(3, 1))[::-1].reshape(3)
                img = (img - offset).astype(np.float32)
            imgs.append(img)
        results["img"] = imgs
        return results

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(prob={self.prob}, rgb_var={self.rgb_var.tolist()})"


def motion_blur_kernel(size: int, weight_x: float) -> np.ndarray:
    """Cross-shaped blur kernel of SiamRPN++.

    The centre column gets ``weight_x / size`` per cell, the centre row
    ``(1 - weight_x) / size``; the kernel sums to 1.

    Args:
        size (int): Odd kernel side.
        weight_x (float): Share of the vertical stroke in [0, 1].

    Returns:
        np.ndarray: ``(size, size)`` float64 kernel.
    """
    kernel = np.zeros((size, size))
    center = size // 2
    kernel[:, center] += weight_x / size
    kernel[center, :] += (1 - weight_x) / size
    return kernel


@TRANSFORMS.register_module()
class SeqBlurAug(BaseTransform):
    """Random motion blur per frame.

    With probability ``prob[i]`` frame ``i`` is filtered with
    :func:`motion_blur_kernel` of a random odd size in 5..45.

    Required/modified key: ``img`` (list).

    Args:
        prob (Sequence[float]): Probability per frame. Defaults to (0.0, 0.2).
    """

    def __init__(self, prob: Sequence[float] = (0.0, 0.2)) -> None:
        self.prob = list(prob)

    def transform(self, results: dict) -> dict:
        """Blur the frames."""
        imgs = []
        for i, img in enumerate(results["img"]):
            if self.prob[i] > np.random.random():
                size = int(np.random.choice(np.arange(5, 46, 2)))
                img = cv2.filter2D(img, -1, motion_blur_kernel(size, np.random.random()))
            imgs.append(img)
        results["img"] = imgs
        return results

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(prob={self.prob})"


@TRANSFORMS.register_module()
class BrightnessAug(BaseTransform):
    """Scale the brightness of a frame by ``U(max(0, 1 - j), 1 + j)``.

    The result is clipped to [0, 255] and float32.

    Required/modified key: ``img``.

    Args:
        jitter_range (float): ``j``. Defaults to 0.
    """

    def __init__(self, jitter_range: float = 0.0) -> None:
        self.jitter_range = jitter_range

    @cache_randomness
    def _random_brightness_factor(self) -> float:
        return float(np.random.uniform(max(0.0, 1 - self.jitter_range), 1 + self.jitter_range))

    def transform(self, results: dict) -> dict:
        """Scale the image brightness."""
        factor = self._random_brightness_factor()
        img = results["img"].astype(np.float32) * factor
        results["img"] = np.clip(img, 0, 255.0)
        return results

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(jitter_range={self.jitter_range})"


@TRANSFORMS.register_module()
class GrayAug(BaseTransform):
    """With probability ``prob`` turn a BGR frame grey (kept as 3 channels).

    Required/modified key: ``img``.

    Args:
        prob (float): Probability. Defaults to 0.
    """

    def __init__(self, prob: float = 0.0) -> None:
        self.prob = prob

    @cache_randomness
    def _random_gray(self) -> bool:
        return bool(self.prob > np.random.random())

    def transform(self, results: dict) -> dict:
        """Turn the image grey (maybe)."""
        if self._random_gray():
            img = results["img"]
            if img.dtype not in (np.uint8, np.uint16, np.float32):
                img = img.astype(np.float32)
            gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
            results["img"] = cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)
        return results

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(prob={self.prob})"
