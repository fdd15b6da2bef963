"""Batching, normalisation and padding of detection images."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Optional, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import ImgDataPreprocessor
from torch import Tensor

from mmtrack.registry import MODELS


def _check_mean_std(
    mean: Optional[Sequence[float]], std: Optional[Sequence[float]], owner: str
) -> None:
    if (mean is None) != (std is None):
        raise ValueError(f"{owner}: give both mean and std or neither, got mean={mean}, std={std}")
    for name, v in (("mean", mean), ("std", std)):
        if v is not None and len(v) not in (1, 3):
            raise ValueError(f"{owner}: {name} needs 1 or 3 values, got {list(v)}")


def pad_masks(masks: Tensor, shape: Sequence[int], pad_value: int = 0) -> Tensor:
    """Pad ``(N, H, W)`` masks at the bottom/right to ``shape`` ``(h, w)``."""
    h, w = masks.shape[-2:]
    ph, pw = int(shape[0]) - h, int(shape[1]) - w
    if ph < 0 or pw < 0:
        raise ValueError(f"pad_masks: masks {tuple(masks.shape)} larger than {tuple(shape)}")
    if ph == 0 and pw == 0:
        return masks
    if masks.dtype == torch.bool:
        out = masks.new_full((masks.shape[0], h + ph, w + pw), bool(pad_value))
        out[:, :h, :w] = masks
        return out
    return F.pad(masks, (0, pw, 0, ph), value=pad_value)


@MODELS.register_module()
class DetDataPreprocessor(ImgDataPreprocessor):
    """Move to device, (BGR->RGB), normalise, pad to a common size and stack.

    Every image is padded at the bottom/right to the batch's largest size,
    rounded up to ``pad_size_divisor``; each sample's metainfo gets
    ``batch_input_shape`` (the stacked size) and ``pad_shape`` (its own size
    rounded up to the divisor). ``batch_augments`` (e.g.
    ``BatchSyncRandomResize``) run in training after stacking.

    Args:
        mean: per-channel means (after the channel swap). Defaults to None.
        std: per-channel stds. Defaults to None.
        pad_size_divisor: padded sizes are multiples of this. Defaults to 1.
        pad_value: padding value (in the normalised space). Defaults to 0.
        pad_mask: pad ``gt_instances.masks`` to ``batch_input_shape`` in
            training. Defaults to False.
        mask_pad_value: mask padding value. Defaults to 0.
        pad_seg: kept for MMDetection config compatibility; must be False.
            Defaults to False.
        seg_pad_value: unused. Defaults to 255.
        bgr_to_rgb: swap BGR to RGB. Defaults to False.
        rgb_to_bgr: swap RGB to BGR. Defaults to False.
        boxtype2tensor: boxes are always tensors here (kept for configs).
            Defaults to True.
        non_blocking: non-blocking device copies. Defaults to False.
        batch_augments: configs of batch-level augmentations. Defaults to None.
    """

    def __init__(
        self,
        mean: Optional[Sequence[float]] = None,
        std: Optional[Sequence[float]] = None,
        pad_size_divisor: int = 1,
        pad_value: Union[float, int] = 0,
        pad_mask: bool = False,
        mask_pad_value: int = 0,
        pad_seg: bool = False,
        seg_pad_value: int = 255,
        bgr_to_rgb: bool = False,
        rgb_to_bgr: bool = False,
        boxtype2tensor: bool = True,
        non_blocking: Optional[bool] = False,
        batch_augments: Optional[list[dict]] = None,
    ) -> None:
        owner = type(self).__name__
        _check_mean_std(mean, std, owner)
        if bgr_to_rgb and rgb_to_bgr:
            raise ValueError(f"{owner}: bgr_to_rgb and rgb_to_bgr cannot both be True")
        if pad_seg:
            raise ValueError(f"{owner}: pad_seg=True is not supported")
        if int(pad_size_divisor) < 1:
            raise ValueError(f"{owner}: pad_size_divisor must be >= 1, got {pad_size_divisor}")
        super().__init__(
            mean=mean,
            std=std,
            pad_size_divisor=int(pad_size_divisor),
            pad_value=pad_value,
            bgr_to_rgb=bgr_to_rgb,
            rgb_to_bgr=rgb_to_bgr,
            non_blocking=non_blocking,
        )
        self.pad_mask = pad_mask
        self.mask_pad_value = mask_pad_value
        self.pad_seg = pad_seg
        self.seg_pad_value = seg_pad_value
        self.boxtype2tensor = boxtype2tensor
        self.batch_augments = (
            nn.ModuleList([MODELS.build(aug) for aug in batch_augments])
            if batch_augments is not None
            else None
        )

    def _divisible(self, size: int) -> int:
        return int(math.ceil(size / self.pad_size_divisor)) * self.pad_size_divisor

    def get_pad_shape(self, data: dict) -> list[tuple[int, int]]:
        """Each image's ``(h, w)`` rounded up to ``pad_size_divisor``."""
        inputs = data["inputs"]
        if isinstance(inputs, Tensor):
            if inputs.dim() != 4:
                raise ValueError(
                    f"{type(self).__name__}: batched inputs must be (N, C, H, W), "
                    f"got {tuple(inputs.shape)}"
                )
            shape = (self._divisible(inputs.shape[2]), self._divisible(inputs.shape[3]))
            return [shape] * inputs.shape[0]
        return [(self._divisible(x.shape[-2]), self._divisible(x.shape[-1])) for x in inputs]

    def forward(self, data: dict, training: bool = False) -> dict:
        """``dict(inputs=(N, C, H, W) float, data_samples=...)`` from collated data."""
        batch_pad_shape = self.get_pad_shape(data)
        data = super().forward(data=data, training=training)
        inputs, data_samples = data["inputs"], data["data_samples"]
        if data_samples is not None:
            batch_input_shape = tuple(inputs[0].size()[-2:])
            for sample, pad_shape in zip(data_samples, batch_pad_shape):
                sample.set_metainfo(
                    {"batch_input_shape": batch_input_shape, "pad_shape": pad_shape}
                )
            if self.pad_mask and training:
                self.pad_gt_masks(data_samples)
        if training and self.batch_augments is not None:
            for batch_aug in self.batch_augments:
                inputs, data_samples = batch_aug(inputs, data_samples)
        return {"inputs": inputs, "data_samples": data_samples}

    def pad_gt_masks(self, data_samples: Sequence) -> None:
        """Pad each sample's ``gt_instances.masks`` to its ``batch_input_shape``."""
        for sample in data_samples:
            gt = sample.get("gt_instances", None)
            if gt is not None and "masks" in gt:
                gt.masks = pad_masks(gt.masks, sample.batch_input_shape, self.mask_pad_value)
