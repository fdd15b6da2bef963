"""SOT crops: SiamFC, STARK and DiMP style search-region crops, box jitter, shift-scale.

Boxes are x1y1x2y2 float32 pixels. Per-frame transforms (``CropLikeSiamFC``,
``CropLikeDiMP``) read ``img`` ``(H, W, 3)`` and ``gt_bboxes`` ``(1, 4)`` and are
meant to run inside ``TransformBroadcaster``; ``Seq*`` transforms read a dict of
per-frame lists (template frames first) and use one parameter per frame.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from mmtrack.registry import TRANSFORMS


def crop_image(
    image: np.ndarray,
    crop_region: Sequence[float],
    crop_size: int,
    padding: Sequence[float] = (0, 0, 0),
) -> np.ndarray:
    """Warp the square ``crop_region`` of an image onto ``crop_size`` pixels.

    A point ``x`` of the image goes to ``(x - x1) * crop_size / (x2 - x1)``
    (likewise for ``y``); pixels outside the image take ``padding``.

    Args:
        image (np.ndarray): ``(H, W, C)`` image.
        crop_region (Sequence[float]): ``[x1, y1, x2, y2]`` in image pixels.
        crop_size (int): Output side in pixels.
        padding (Sequence[float]): Border value per channel. Defaults to 0.

    Returns:
        np.ndarray: ``(crop_size, crop_size, C)`` crop, dtype of the image.
    """
    x1, y1, x2, y2 = (float(v) for v in crop_region)
    a = crop_size / (x2 - x1)
    b = crop_size / (y2 - y1)
    mapping = np.array([[a, 0, -a * x1], [0, b, -b * y1]], dtype=np.float32)
    return cv2.warpAffine(
        image,
        mapping,
        (crop_size, crop_size),
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=tuple(float(p) for p in padding),
    )


def siamfc_context_size(bbox: np.ndarray, context_amount: float = 0.5) -> float:
    """Side of the SiamFC exemplar context square of a box.

    ``sqrt((w + p) * (h + p))`` with ``p = context_amount * (w + h)``.

    Args:
        bbox (np.ndarray): ``(4,)`` x1y1x2y2 box.
        context_amount (float): Context margin factor. Defaults to 0.5.

    Returns:
        float: Side of the square in image pixels.
    """
    w, h = float(bbox[2] - bbox[0]), float(bbox[3] - bbox[1])
    pad = context_amount * (w + h)
    return math.sqrt((w + pad) * (h + pad))


@TRANSFORMS.register_module()
class CropLikeSiamFC(BaseTransform):
    """Crop the region around the target as SiamFC does.

    The exemplar context square (side ``s_z``, see :func:`siamfc_context_size`)
    maps onto ``exemplar_size`` pixels, so the crop covers
    ``crop_size * s_z / exemplar_size`` image pixels centred on the box; outside
    the image the crop is filled with the image's mean colour. The box becomes
    ``(w, h) * exemplar_size / s_z`` centred at ``(crop_size // 2, crop_size // 2)``.

    Required keys: ``img``, ``gt_bboxes`` ``(1, 4)``. Modified: ``img``,
    ``gt_bboxes``, ``img_shape``.

    Args:
        context_amount (float): Context margin factor. Defaults to 0.5.
        exemplar_size (int): Exemplar side. Defaults to 127.
        crop_size (int): Output side. Defaults to 511.
    """

    def __init__(
        self, context_amount: float = 0.5, exemplar_size: int = 127, crop_size: int = 511
    ) -> None:
        self.context_amount = context_amount
        self.exemplar_size = exemplar_size
        self.crop_size = crop_size

    def crop_region(self, bbox: np.ndarray) -> np.ndarray:
        """Image region ``[x1, y1, x2, y2]`` that the crop covers."""
        scale = self.exemplar_size / siamfc_context_size(bbox, self.context_amount)
        side = self.crop_size / scale
        cx, cy = (bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2
        return np.array([cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2])

    def transform(self, results: dict) -> dict:
        """Crop ``img`` around ``gt_bboxes[0]`` and move the box."""
        bbox = np.asarray(results["gt_bboxes"], dtype=np.float64).reshape(-1, 4)[0]
        img = results["img"]
        padding = np.mean(img, axis=(0, 1)).tolist()
        crop = crop_image(img, self.crop_region(bbox), self.crop_size, padding)
        scale = self.exemplar_size / siamfc_context_size(bbox, self.context_amount)
        w, h = (bbox[2] - bbox[0]) * scale, (bbox[3] - bbox[1]) * scale
        cx, cy = crop.shape[1] // 2, crop.shape[0] // 2
        results["img"] = crop
        results["img_shape"] = crop.shape[:2]
        results["gt_bboxes"] = np.array(
            [[cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2]], dtype=np.float32
        )
        return results

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(context_amount={self.context_amount}, "
            f"exemplar_size={self.exemplar_size}, crop_size={self.crop_size})"
        )


def _square_crop_origin(bbox: np.ndarray, crop_size_factor: float) -> tuple[int, int, int]:
    """Side and top-left corner of the STARK/DiMP square crop of a box."""
    w, h = float(bbox[2] - bbox[0]), float(bbox[3] - bbox[1])
    cx, cy = float(bbox[0]) + w / 2, float(bbox[1]) + h / 2
    crop_size = max(math.ceil(math.sqrt(w * h) * crop_size_factor), 1)
    x1 = int(np.round(cx - crop_size * 0.5))
    y1 = int(np.round(cy - crop_size * 0.5))
    return crop_size, x1, y1


def crop_like_stark(
    img: np.ndarray, bbox: np.ndarray, crop_size_factor: float, output_size: int
) -> tuple[np.ndarray, float, np.ndarray]:
    """Square crop of side ``ceil(sqrt(w * h) * factor)`` centred on a box.

    The crop starts at ``round(c - side / 2)``; parts outside the image are
    zero-padded (the right/bottom padding counts one extra pixel once the crop
    reaches the border, as STARK does) and flagged in the padding mask. Crop and
    mask are resized to ``output_size``.

    Args:
        img (np.ndarray): ``(H, W, 3)`` image.
        bbox (np.ndarray): ``(4,)`` x1y1x2y2 box (usually jittered).
        crop_size_factor (float): Crop side over ``sqrt(w * h)``.
        output_size (int): Output side.

    Returns:
        tuple: ``(crop (output_size, output_size, 3), resize_factor
        (output_size / side), padding_mask (output_size, output_size) bool)``.
    """
    crop_size, x1, y1 = _square_crop_origin(bbox, crop_size_factor)
    x2, y2 = x1 + crop_size, y1 + crop_size
    img_h, img_w = img.shape[:2]
    x1_pad, y1_pad = max(0, -x1), max(0, -y1)
    x2_pad, y2_pad = max(x2 - img_w + 1, 0), max(y2 - img_h + 1, 0)
    patch = img[y1 + y1_pad : y2 - y2_pad, x1 + x1_pad : x2 - x2_pad]
    patch = cv2.copyMakeBorder(patch, y1_pad, y2_pad, x1_pad, x2_pad, cv2.BORDER_CONSTANT)
    mask = np.ones(patch.shape[:2], dtype=np.float64)
    mask[y1_pad : patch.shape[0] - y2_pad, x1_pad : patch.shape[1] - x2_pad] = 0
    resize_factor = output_size / crop_size
    patch = cv2.resize(patch, (output_size, output_size))
    mask = cv2.resize(mask, (output_size, output_size)).astype(bool)
    return patch, resize_factor, mask


@TRANSFORMS.register_module()
class SeqCropLikeStark(BaseTransform):
    """Crop every frame around its jittered box as STARK does.

    Frame ``i`` is cropped with :func:`crop_like_stark` around
    ``jittered_bboxes[i]`` with ``crop_size_factor[i]`` and ``output_size[i]``.
    Its box becomes centred at ``(output_size - 1) / 2 + (c_gt - c_jit) * r``
    with size ``(w, h) * r``, ``r`` the resize factor.

    Required keys: ``img``, ``gt_bboxes``, ``jittered_bboxes`` (lists). Modified:
    ``img``, ``gt_bboxes``, ``img_shape``. Added: ``padding_mask``.

    Args:
        crop_size_factor (Sequence[float]): Crop side over ``sqrt(w * h)`` per frame.
        output_size (Sequence[int]): Output side per frame.
    """

    def __init__(self, crop_size_factor: Sequence[float], output_size: Sequence[int]) -> None:
        if len(crop_size_factor) != len(output_size):
            raise ValueError(
                "SeqCropLikeStark crop_size_factor and output_size need one value per frame, "
                f"got {len(crop_size_factor)} and {len(output_size)}"
            )
        self.crop_size_factor = list(crop_size_factor)
        self.output_size = list(output_size)

    @staticmethod
    def generate_box(
        bbox_gt: np.ndarray, bbox_cropped: np.ndarray, resize_factor: float, output_size: int
    ) -> np.ndarray:
        """Box in the crop coordinates (see the class docstring)."""
        center_gt = (bbox_gt[:2] + bbox_gt[2:]) / 2
        center_crop = (bbox_cropped[:2] + bbox_cropped[2:]) / 2
        center = (output_size - 1) / 2 + (center_gt - center_crop) * resize_factor
        wh = (bbox_gt[2:] - bbox_gt[:2]) * resize_factor
        return np.concatenate([center - wh / 2, center + wh / 2])

    def transform(self, results: dict) -> dict:
        """Crop each frame of the clip."""
        num = len(results["img"])
        if num != len(self.output_size):
            raise ValueError(
                f"SeqCropLikeStark is set for {len(self.output_size)} frames, got {num}"
            )
        imgs, boxes, masks = [], [], []
        for i in range(num):
            gt = np.asarray(results["gt_bboxes"][i], dtype=np.float64).reshape(-1, 4)[0]
            jit = np.asarray(results["jittered_bboxes"][i], dtype=np.float64).reshape(-1, 4)[0]
            crop, factor, mask = crop_like_stark(
                results["img"][i], jit, self.crop_size_factor[i], self.output_size[i]
            )
            imgs.append(crop)
            boxes.append(
                self.generate_box(gt, jit, factor, self.output_size[i])[None].astype(np.float32)
            )
            masks.append(mask)
        results["img"] = imgs
        results["gt_bboxes"] = boxes
        results["padding_mask"] = masks
        results["img_shape"] = [img.shape[:2] for img in imgs]
        return results

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(crop_size_factor={self.crop_size_factor}, "
            f"output_size={self.output_size})"
        )


def crop_like_dimp(
    img: np.ndarray, bbox: np.ndarray, crop_size_factor: float, output_size: int
) -> tuple[np.ndarray, np.ndarray, float]:
    """Square crop as DiMP does: like STARK, but moved inside the image.

    The crop of side ``ceil(sqrt(w * h) * factor)`` is first shifted to lie
    inside the image; if it is larger than the image it is centred on it. What
    remains outside is filled by replicating the border.

    Args:
        img (np.ndarray): ``(H, W, 3)`` image.
        bbox (np.ndarray): ``(4,)`` x1y1x2y2 box (usually jittered).
        crop_size_factor (float): Crop side over ``sqrt(w * h)``.
        output_size (int): Output side.

    Returns:
        tuple: ``(crop (output_size, output_size, 3), crop_area (4,) x, y, side,
        side in image pixels, resize_factor)``.
    """
    crop_size, x1, y1 = _square_crop_origin(bbox, crop_size_factor)
    img_h, img_w = img.shape[:2]
    x1 += max(0, -x1) + min(0, img_w - (x1 + crop_size))
    y1 += max(0, -y1) + min(0, img_h - (y1 + crop_size))
    out_x = (max(0, -x1) + max(0, x1 + crop_size - img_w)) // 2
    out_y = (max(0, -y1) + max(0, y1 + crop_size - img_h)) // 2
    if out_x > 0:
        x1 = -out_x
    if out_y > 0:
        y1 = -out_y
    x2, y2 = x1 + crop_size, y1 + crop_size
    x1_pad, y1_pad = max(0, -x1), max(0, -y1)
    x2_pad, y2_pad = max(x2 - img_w + 1, 0), max(y2 - img_h + 1, 0)
    patch = img[y1 + y1_pad : y2 - y2_pad, x1 + x1_pad : x2 - x2_pad]
    patch = cv2.copyMakeBorder(patch, y1_pad, y2_pad, x1_pad, x2_pad, cv2.BORDER_REPLICATE)
    resize_factor = output_size / crop_size
    patch = cv2.resize(patch, (output_size, output_size))
    crop_area = np.array([x1, y1, crop_size, crop_size], dtype=np.float64)
    return patch, crop_area, resize_factor


@TRANSFORMS.register_module()
class CropLikeDiMP(BaseTransform):
    """Crop the region around the jittered box as DiMP does (per frame).

    The box becomes ``(gt - crop_origin) * output_size / side``.

    Required keys: ``img``, ``gt_bboxes`` ``(1, 4)``, ``jittered_bboxes``
    ``(1, 4)``. Modified: ``img``, ``gt_bboxes``, ``img_shape``.

    Args:
        crop_size_factor (float): Crop side over ``sqrt(w * h)``.
        output_size (int): Output side.
    """

    def __init__(self, crop_size_factor: float, output_size: int) -> None:
        self.crop_size_factor = crop_size_factor
        self.output_size = output_size

    def transform(self, results: dict) -> dict:
        """Crop ``img`` around ``jittered_bboxes[0]`` and move the box."""
        gt = np.asarray(results["gt_bboxes"], dtype=np.float64).reshape(-1, 4)[0]
        jit = np.asarray(results["jittered_bboxes"], dtype=np.float64).reshape(-1, 4)[0]
        crop, area, factor = crop_like_dimp(
            results["img"], jit, self.crop_size_factor, self.output_size
        )
        box = (gt - np.array([area[0], area[1], area[0], area[1]])) * factor
        results["img"] = crop
        results["img_shape"] = crop.shape[:2]
        results["gt_bboxes"] = box[None].astype(np.float32)
        return results

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(crop_size_factor={self.crop_size_factor}, "
            f"output_size={self.output_size})"
        )


@TRANSFORMS.register_module()
class SeqBboxJitter(BaseTransform):
    """Jitter each frame's box to centre the following crop (STARK, DiMP).

    For frame ``i``: ``(w', h') = (w, h) * exp(N(0, 1) * scale_jitter_factor[i])``
    (redrawn while the crop side ``ceil(sqrt(w' h') * crop_size_factor[i])`` is
    below 1, at most 100 times), then the centre moves by
    ``sqrt(w' h') * center_jitter_factor[i] * U(-0.5, 0.5)`` on each axis.

    Required keys: ``gt_bboxes`` (list). Added: ``jittered_bboxes`` (list of
    ``(1, 4)`` x1y1x2y2 float32). Returns None when no valid jitter is found.

    Args:
        scale_jitter_factor (Sequence[float]): Scale jitter per frame.
        center_jitter_factor (Sequence[float]): Centre jitter per frame.
        crop_size_factor (Sequence[float]): Crop side factor per frame.
    """

    def __init__(
        self,
        scale_jitter_factor: Sequence[float],
        center_jitter_factor: Sequence[float],
        crop_size_factor: Sequence[float],
    ) -> None:
        lengths = {len(scale_jitter_factor), len(center_jitter_factor), len(crop_size_factor)}
        if len(lengths) != 1:
            raise ValueError(
                "SeqBboxJitter factors need one value per frame, got lengths "
                f"{len(scale_jitter_factor)}, {len(center_jitter_factor)}, {len(crop_size_factor)}"
            )
        self.scale_jitter_factor = list(scale_jitter_factor)
        self.center_jitter_factor = list(center_jitter_factor)
        self.crop_size_factor = list(crop_size_factor)

    def transform(self, results: dict) -> dict | None:
        """Add ``jittered_bboxes``."""
        jittered = []
        for i, gt in enumerate(results["gt_bboxes"]):
            box = np.asarray(gt, dtype=np.float64).reshape(-1, 4)[0]
            wh = box[2:] - box[:2]
            center = box[:2] + wh / 2
            for _ in range(100):
                jit_wh = wh * np.exp(np.random.randn(2) * self.scale_jitter_factor[i])
                if np.ceil(np.sqrt(jit_wh.prod()) * self.crop_size_factor[i]) >= 1:
                    break
            else:
                return None
            max_offset = np.sqrt(jit_wh.prod()) * self.center_jitter_factor[i]
            jit_center = center + max_offset * (np.random.rand(2) - 0.5)
            jittered.append(
                np.concatenate([jit_center - jit_wh / 2, jit_center + jit_wh / 2])[None].astype(
                    np.float32
                )
            )
        results["jittered_bboxes"] = jittered
        return results

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(scale_jitter_factor={self.scale_jitter_factor}, "
            f"center_jitter_factor={self.center_jitter_factor}, "
            f"crop_size_factor={self.crop_size_factor})"
        )


@TRANSFORMS.register_module()
class SeqShiftScaleAug(BaseTransform):
    """Random shift and rescale of SiamFC crops (SiamRPN++ training).

    For frame ``i`` with ``t = target_size[i]``: scales
    ``s = 1 + U(-1, 1) * scale[i]`` per axis (at most image side / t), a region of
    ``s * t`` pixels centred at ``(W // 2, H // 2)``, shifted by
    ``U(-1, 1) * shift[i]`` per axis (kept inside the image), is warped onto
    ``t x t`` pixels; the box becomes ``(box - region origin) / s``.

    Required keys: ``img``, ``gt_bboxes`` (lists). Modified: ``img``,
    ``gt_bboxes``, ``img_shape``.

    Args:
        target_size (Sequence[int]): Output side per frame. Defaults to (127, 255).
        shift (Sequence[int]): Largest shift per frame. Defaults to (4, 64).
        scale (Sequence[float]): Largest relative rescale per frame.
            Defaults to (0.05, 0.18).
    """

    def __init__(
        self,
        target_size: Sequence[int] = (127, 255),
        shift: Sequence[int] = (4, 64),
        scale: Sequence[float] = (0.05, 0.18),
    ) -> None:
        if not len(target_size) == len(shift) == len(scale):
            raise ValueError(
                "SeqShiftScaleAug target_size, shift and scale need one value per frame"
            )
        self.target_size = list(target_size)
        self.shift = list(shift)
        self.scale = list(scale)

    @staticmethod
    def shift_scale(
        image: np.ndarray, bbox: np.ndarray, target_size: int, shift: float, scale: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """Shift and rescale one image and its ``(4,)`` x1y1x2y2 box."""
        img_h, img_w = image.shape[:2]
        scale_x = min((2 * np.random.random() - 1) * scale + 1, img_w / target_size)
        scale_y = min((2 * np.random.random() - 1) * scale + 1, img_h / target_size)
        region = np.array(
            [
                img_w // 2 - 0.5 * scale_x * target_size,
                img_h // 2 - 0.5 * scale_y * target_size,
                img_w // 2 + 0.5 * scale_x * target_size,
                img_h // 2 + 0.5 * scale_y * target_size,
            ]
        )
        shift_x = (2 * np.random.random() - 1) * shift
        shift_y = (2 * np.random.random() - 1) * shift
        shift_x = max(-region[0], min(img_w - region[2], shift_x))
        shift_y = max(-region[1], min(img_h - region[3], shift_y))
        region += np.array([shift_x, shift_y, shift_x, shift_y])
        crop = crop_image(image, region, target_size)
        box = (bbox - region[[0, 1, 0, 1]]) / np.array([scale_x, scale_y, scale_x, scale_y])
        return crop, box

    def transform(self, results: dict) -> dict:
        """Shift and rescale every frame of the clip."""
        imgs, boxes = [], []
        for i, (img, gt) in enumerate(zip(results["img"], results["gt_bboxes"])):
            box = np.asarray(gt, dtype=np.float64).reshape(-1, 4)[0]
            crop, box = self.shift_scale(
                img, box, self.target_size[i], self.shift[i], self.scale[i]
            )
            imgs.append(crop)
            boxes.append(box[None].astype(np.float32))
        results["img"] = imgs
        results["gt_bboxes"] = boxes
        results["img_shape"] = [img.shape[:2] for img in imgs]
        return results

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(target_size={self.target_size}, "
            f"shift={self.shift}, scale={self.scale})"
        )
