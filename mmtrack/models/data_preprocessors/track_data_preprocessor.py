"""Batching of video clips ``(N, T, C, H, W)`` for tracking models."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Optional, Union

import torch
import torch.nn.functional as F
from torch import Tensor

from mmtrack.registry import MODELS

from .det_data_preprocessor import DetDataPreprocessor, pad_masks


def stack_track_batch(
    tensors: Sequence[Tensor], pad_size_divisor: int = 0, pad_value: Union[int, float] = 0
) -> Tensor:
    """Pad ``(T, C, H, W)`` clips at the bottom/right to one size and stack them.

    Args:
        tensors: clips with the same ``T`` and ``C``.
        pad_size_divisor: the common size is rounded up to a multiple of
            this (when > 1). Defaults to 0.
        pad_value: padding value. Defaults to 0.

    Returns:
        ``(N, T, C, H_max, W_max)``.
    """
    if not isinstance(tensors, (list, tuple)) or len(tensors) == 0:
        raise ValueError("stack_track_batch: expected a non-empty list of (T, C, H, W) tensors")
    if any(t.dim() != 4 for t in tensors):
        raise ValueError(
            "stack_track_batch: every clip must be (T, C, H, W), got shapes "
            f"{[tuple(t.shape) for t in tensors]}"
        )
    if len({tuple(t.shape[:2]) for t in tensors}) != 1:
        raise ValueError(
            "stack_track_batch: clips differ in frames or channels: "
            f"{[tuple(t.shape[:2]) for t in tensors]}"
        )
    max_h = max(t.shape[-2] for t in tensors)
    max_w = max(t.shape[-1] for t in tensors)
    if pad_size_divisor > 1:
        max_h = int(math.ceil(max_h / pad_size_divisor)) * pad_size_divisor
        max_w = int(math.ceil(max_w / pad_size_divisor)) * pad_size_divisor
    padded = []
    for t in tensors:
        pad = (0, max_w - t.shape[-1], 0, max_h - t.shape[-2])
        padded.append(t if sum(pad) == 0 else F.pad(t, pad, value=pad_value))
    return torch.stack(padded, dim=0)


@MODELS.register_module()
class TrackDataPreprocessor(DetDataPreprocessor):
    """Preprocess clips: ``inputs`` are ``(T, C, H, W)`` per sample.

    The same channel swap, normalisation and padding as
    :class:`DetDataPreprocessor` are applied to every frame; the output is
    ``(N, T, C, H, W)`` (SOT: a dict of such tensors, one per input key).
    Every frame's ``DetDataSample`` gets
    ``batch_input_shape`` and ``pad_shape`` in its metainfo, and with
    ``pad_mask`` its ``gt_instances.masks`` are padded in training. Batch
    augments need ``T == 1``. With ``use_det_processor`` and training, the
    inputs are single ``(C, H, W)`` images handled as by
    :class:`DetDataPreprocessor`.

    Args:
        mean: per-channel means. Defaults to None.
        std: per-channel stds. Defaults to None.
        use_det_processor: treat training inputs as detection images.
            Defaults to False.
        **kwargs: see :class:`DetDataPreprocessor`.
    """

    def __init__(
        self,
        mean: Optional[Sequence[float]] = None,
        std: Optional[Sequence[float]] = None,
        use_det_processor: bool = False,
        **kwargs,
    ) -> None:
        super().__init__(mean=mean, std=std, **kwargs)
        self.use_det_processor = use_det_processor
        if mean is not None:
            # (1, C, 1, 1) so that it broadcasts over the T frames of a clip
            self.register_buffer("mean", torch.tensor(mean).view(1, -1, 1, 1), False)
            self.register_buffer("std", torch.tensor(std).view(1, -1, 1, 1), False)

    def forward(self, data: dict, training: bool = False) -> dict:
        """``dict(inputs=(N, T, C, H, W) float, data_samples=[TrackDataSample])``."""
        if self.use_det_processor and training:
            return self._forward_det(data, training)
        if isinstance(data.get("inputs"), dict):
            return self._forward_sot(data, training)
        data = self.cast_data(data)
        clips, data_samples = data["inputs"], data.get("data_samples", None)
        if isinstance(clips, Tensor):
            clips = list(clips)
        if any(c.dim() != 4 for c in clips):
            raise ValueError(
                "TrackDataPreprocessor: each input must be a (T, C, H, W) clip, got "
                f"{[tuple(c.shape) for c in clips]}"
            )
        if self._channel_conversion:
            clips = [c[:, [2, 1, 0], ...] if c.size(1) == 3 else c for c in clips]
        clips = [c.float() for c in clips]
        if self._enable_normalize:
            clips = [(c - self.mean) / self.std for c in clips]
        pad_shapes = [(self._divisible(c.shape[-2]), self._divisible(c.shape[-1])) for c in clips]
        inputs = stack_track_batch(clips, self.pad_size_divisor, self.pad_value)
        if data_samples is not None:
            batch_input_shape = tuple(inputs.shape[-2:])
            for track_sample, pad_shape in zip(data_samples, pad_shapes):
                for i in range(len(track_sample)):
                    track_sample[i].set_metainfo(
                        {"batch_input_shape": batch_input_shape, "pad_shape": pad_shape}
                    )
            if self.pad_mask and training:
                for track_sample in data_samples:
                    self.pad_gt_masks([track_sample[i] for i in range(len(track_sample))])
        if training and self.batch_augments is not None:
            if inputs.size(1) != 1:
                raise ValueError(
                    "TrackDataPreprocessor: batch augments need one frame per clip, "
                    f"got T={inputs.size(1)}"
                )
            det_samples = [s[0] for s in data_samples]
            aug_inputs = inputs[:, 0]
            for batch_aug in self.batch_augments:
                aug_inputs, det_samples = batch_aug(aug_inputs, det_samples)
            inputs = aug_inputs.unsqueeze(1)
            for track_sample, det_sample in zip(data_samples, det_samples):
                track_sample.video_data_samples = [det_sample]
        return dict(inputs=inputs.contiguous(), data_samples=data_samples)

    def _forward_sot(self, data: dict, training: bool) -> dict:
        """SOT inputs: a dict of clip lists (``img`` templates / test frames,
        ``search_img`` search crops), each key preprocessed on its own; the
        frames' ``batch_input_shape`` / ``pad_shape`` are those of ``img``.
        """
        samples = data.get("data_samples", None)
        inputs = {}
        for key, clips in data["inputs"].items():
            out = self.forward(
                dict(inputs=clips, data_samples=samples if key == "img" else None), training
            )
            inputs[key] = out["inputs"]
        return dict(inputs=inputs, data_samples=samples)

    def _forward_det(self, data: dict, training: bool) -> dict:
        """Detection-style preprocessing of ``(C, H, W)`` images."""
        mean, std = None, None
        if self._enable_normalize:
            mean, std = self.mean, self.std
            self.mean, self.std = mean.view(-1, 1, 1), std.view(-1, 1, 1)
        try:
            return super().forward(data, training)
        finally:
            if mean is not None:
                self.mean, self.std = mean, std

    def pad_gt_masks(self, data_samples: Sequence) -> None:
        """Pad frame masks to the frame's ``batch_input_shape``."""
        for sample in data_samples:
            gt = sample.get("gt_instances", None)
            if gt is not None and "masks" in gt:
                gt.masks = pad_masks(gt.masks, sample.batch_input_shape, self.mask_pad_value)
