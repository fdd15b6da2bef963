"""CheckPadMaskValidity."""

from __future__ import annotations

from typing import Optional

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from mmtrack.registry import TRANSFORMS


@TRANSFORMS.register_module()
class CheckPadMaskValidity(BaseTransform):
    """Drop a clip whose padding mask covers a whole downsampled feature map.

    Used by STARK: each frame's ``padding_mask`` ``(H, W)`` (True on padded
    pixels) is resized to the feature map ``(H // stride, W // stride)``; if
    any frame's map is all padding, None is returned so that the dataset
    draws another sample.

    Args:
        stride: the largest stride of the feature maps.
    """

    def __init__(self, stride: int) -> None:
        self.stride = stride

    def transform(self, results: dict) -> Optional[dict]:
        if "padding_mask" not in results:
            raise KeyError("CheckPadMaskValidity: results need 'padding_mask'")
        masks = results["padding_mask"]
        imgs = results["img"]
        if not isinstance(masks, list):
            masks, imgs = [masks], [imgs]
        for mask, img in zip(masks, imgs):
            h, w = img.shape[:2]
            size = (max(w // self.stride, 1), max(h // self.stride, 1))
            small = cv2.resize(mask.astype(np.float32), size).astype(bool)
            if small.all():
                return None
        return results

    def __repr__(self) -> str:
        return f"{type(self).__name__}(stride={self.stride})"
