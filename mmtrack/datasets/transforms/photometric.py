"""Colour augmentations: PhotoMetricDistortion and YOLOXHSVRandomAug."""

from __future__ import annotations

from typing import Sequence

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness

from mmtrack.registry import TRANSFORMS


def _restore_dtype(img: np.ndarray, dtype: np.dtype) -> np.ndarray:
    if dtype == np.uint8:
        return np.clip(np.round(img), 0, 255).astype(np.uint8)
    return img.astype(dtype)


@TRANSFORMS.register_module()
class PhotoMetricDistortion(BaseTransform):
    """Random photometric distortion of a BGR image (as MMDetection).

    Steps, each applied with probability 0.5: brightness ``+ delta``;
    contrast ``* alpha`` (before the HSV steps in mode 1, after them in mode
    0); saturation ``S * s``; hue ``H + d`` (degrees, wrapped into
    ``[0, 360)``); a random permutation of the channels. The parameters are
    drawn once per call (once per clip under a shared broadcaster). A uint8
    image is clipped to ``[0, 255]``, rounded and returned as uint8; other
    dtypes are returned as they came.

    Args:
        brightness_delta: max brightness change. Defaults to 32.
        contrast_range: contrast factor range. Defaults to (0.5, 1.5).
        saturation_range: saturation factor range. Defaults to (0.5, 1.5).
        hue_delta: max hue change in degrees. Defaults to 18.
    """

    def __init__(
        self,
        brightness_delta: int = 32,
        contrast_range: Sequence[float] = (0.5, 1.5),
        saturation_range: Sequence[float] = (0.5, 1.5),
        hue_delta: int = 18,
    ) -> None:
        self.brightness_delta = brightness_delta
        self.contrast_lower, self.contrast_upper = contrast_range
        self.saturation_lower, self.saturation_upper = saturation_range
        self.hue_delta = hue_delta

    @cache_randomness
    def _random_params(self) -> dict:
        rng = np.random
        return dict(
            mode=rng.randint(2),
            brightness=rng.randint(2),
            contrast=rng.randint(2),
            saturation=rng.randint(2),
            hue=rng.randint(2),
            swap=rng.randint(2),
            delta=rng.uniform(-self.brightness_delta, self.brightness_delta),
            alpha=rng.uniform(self.contrast_lower, self.contrast_upper),
            saturation_value=rng.uniform(self.saturation_lower, self.saturation_upper),
            hue_value=rng.uniform(-self.hue_delta, self.hue_delta),
            permutation=rng.permutation(3),
        )

    def transform(self, results: dict) -> dict:
        p = self._random_params()
        dtype = results["img"].dtype
        img = results["img"].astype(np.float32)
        if p["brightness"]:
            img += p["delta"]
        if p["mode"] == 1 and p["contrast"]:
            img *= p["alpha"]
        if p["saturation"] or p["hue"]:
            hsv = cv2.cvtColor(np.clip(img, 0, 255), cv2.COLOR_BGR2HSV)
            if p["saturation"]:
                hsv[..., 1] = np.clip(hsv[..., 1] * p["saturation_value"], 0, 1)
            if p["hue"]:
                hsv[..., 0] = (hsv[..., 0] + p["hue_value"]) % 360
            img = cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)
        if p["mode"] == 0 and p["contrast"]:
            img *= p["alpha"]
        if p["swap"]:
            img = img[..., p["permutation"]]
        results["img"] = _restore_dtype(img, dtype)
        return results

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(brightness_delta={self.brightness_delta}, "
            f"contrast_range={(self.contrast_lower, self.contrast_upper)}, "
            f"saturation_range={(self.saturation_lower, self.saturation_upper)}, "
            f"hue_delta={self.hue_delta})"
        )


@TRANSFORMS.register_module()
class YOLOXHSVRandomAug(BaseTransform):
    """YOLOX's HSV jitter of a uint8 BGR image.

    Gains ``g = U(-1, 1) * (hue_delta, saturation_delta, value_delta)``, each
    kept with probability 0.5, truncated to int; then in OpenCV's uint8 HSV:
    ``H = (H + g0) mod 180``, ``S = clip(S + g1)``, ``V = clip(V + g2)``.

    Args:
        hue_delta: max hue change (OpenCV units, 0..179). Defaults to 5.
        saturation_delta: max saturation change. Defaults to 30.
        value_delta: max value change. Defaults to 30.
    """

    def __init__(self, hue_delta: int = 5, saturation_delta: int = 30, value_delta: int = 30):
        self.hue_delta = hue_delta
        self.saturation_delta = saturation_delta
        self.value_delta = value_delta

    @cache_randomness
    def _get_hsv_gains(self) -> np.ndarray:
        gains = np.random.uniform(-1, 1, 3) * [
            self.hue_delta,
            self.saturation_delta,
            self.value_delta,
        ]
        gains *= np.random.randint(0, 2, 3)
        return gains.astype(np.int16)

    def transform(self, results: dict) -> dict:
        gains = self._get_hsv_gains()
        img = results["img"]
        dtype = img.dtype
        hsv = cv2.cvtColor(np.clip(img, 0, 255).astype(np.uint8), cv2.COLOR_BGR2HSV).astype(
            np.int16
        )
        hsv[..., 0] = (hsv[..., 0] + gains[0]) % 180
        hsv[..., 1] = np.clip(hsv[..., 1] + gains[1], 0, 255)
        hsv[..., 2] = np.clip(hsv[..., 2] + gains[2], 0, 255)
        out = cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2BGR)
        results["img"] = out.astype(dtype)
        return results

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(hue_delta={self.hue_delta}, "
            f"saturation_delta={self.saturation_delta}, value_delta={self.value_delta})"
        )
