"""Data preprocessor of the ReID models."""

from __future__ import annotations

from typing import Optional, Sequence, Union

import torch
from mmengine.model import BaseDataPreprocessor
from torch import Tensor

from mmtrack.registry import MODELS


@MODELS.register_module()
class ReIDDataPreprocessor(BaseDataPreprocessor):
    """Stack ReID crops into one batch, normalised.

    Each data item is an ``(N_i, C, H, W)`` tensor (``N_i`` crops of one
    sample: 1 at test time, a triplet group of ``num_ids * ins_per_id``
    crops in training, see ``PackReIDInputs``) or a ``(C, H, W)`` crop; the
    items are concatenated into ``(sum N_i, C, H, W)`` float, optionally
    channel-swapped and normalised ``(x - mean) / std``. All crops must
    share one size (the pipeline resizes them).

    Args:
        mean: per-channel mean, or None for no normalisation. Defaults to None.
        std: per-channel std, or None. Defaults to None.
        bgr_to_rgb: swap BGR -> RGB. Defaults to False.
        rgb_to_bgr: swap RGB -> BGR. Defaults to False.
        non_blocking: asynchronous device copy. Defaults to False.
    """

    def __init__(
        self,
        mean: Optional[Sequence[Union[float, int]]] = None,
        std: Optional[Sequence[Union[float, int]]] = None,
        bgr_to_rgb: bool = False,
        rgb_to_bgr: bool = False,
        non_blocking: bool = False,
    ) -> None:
        super().__init__(non_blocking)
        if bgr_to_rgb and rgb_to_bgr:
            raise ValueError("ReIDDataPreprocessor: bgr_to_rgb and rgb_to_bgr are exclusive")
        if (mean is None) != (std is None):
            raise ValueError("ReIDDataPreprocessor: give both mean and std, or neither")
        self._channel_conversion = bgr_to_rgb or rgb_to_bgr
        self._enable_normalize = mean is not None
        if self._enable_normalize:
            self.register_buffer(
                "mean", torch.tensor(mean, dtype=torch.float32).view(-1, 1, 1), False
            )
            self.register_buffer(
                "std", torch.tensor(std, dtype=torch.float32).view(-1, 1, 1), False
            )

    def forward(self, data: dict, training: bool = False) -> dict:
        """Concatenate, convert and normalise ``data['inputs']``.

        Returns:
            ``dict(inputs=(N, C, H, W) float tensor, data_samples=...)``.
        """
        data = self.cast_data(data)
        inputs = data["inputs"]
        if isinstance(inputs, Tensor):
            inputs = [inputs] if inputs.dim() == 3 else list(inputs.unbind(0))
            if inputs and inputs[0].dim() == 3:
                inputs = [x[None] for x in inputs]
        items = []
        for i, x in enumerate(inputs):
            if x.dim() == 3:
                x = x[None]
            if x.dim() != 4:
                raise ValueError(
                    f"ReIDDataPreprocessor: item {i} must be (C, H, W) or (N, C, H, W), "
                    f"got shape {tuple(x.shape)}"
                )
            items.append(x)
        shapes = {tuple(x.shape[1:]) for x in items}
        if len(shapes) > 1:
            raise ValueError(f"ReIDDataPreprocessor: crops must share one size, got {shapes}")
        batch = torch.cat(items, dim=0).float()
        if self._channel_conversion:
            batch = batch.flip(1)
        if self._enable_normalize:
            batch = (batch - self.mean) / self.std
        return dict(inputs=batch, data_samples=data.get("data_samples", None))
