"""Global average pooling neck of the ReID models."""

from __future__ import annotations

from typing import Optional, Union

import torch.nn as nn
from mmengine.model import BaseModule
from torch import Tensor

from mmtrack.registry import MODELS


@MODELS.register_module()
class GlobalAveragePooling(BaseModule):
    """Average-pool feature maps ``(N, C, H, W)`` into vectors ``(N, C')``.

    With neither ``kernel_size`` nor ``stride`` the pooling is global
    (adaptive to ``1 x 1``); otherwise an ``AvgPool2d(kernel_size, stride)``
    whose output is flattened (MMTracking's ReID uses ``kernel_size=(8, 4)``
    on the ``8 x 4`` map of a ``256 x 128`` crop). The batch dimension is
    kept even for one sample (``view``, not ``squeeze``).

    Args:
        kernel_size: pooling window, or None. Defaults to None.
        stride: pooling stride, or None. Defaults to None.
    """

    def __init__(
        self,
        kernel_size: Optional[Union[int, tuple[int, int]]] = None,
        stride: Optional[Union[int, tuple[int, int]]] = None,
    ) -> None:
        super().__init__()
        if kernel_size is None and stride is None:
            self.gap = nn.AdaptiveAvgPool2d((1, 1))
        else:
            if kernel_size is None:
                raise ValueError("GlobalAveragePooling: stride given without kernel_size")
            self.gap = nn.AvgPool2d(kernel_size, stride)

    def forward(self, inputs: Union[Tensor, tuple[Tensor, ...]]) -> Union[Tensor, tuple]:
        """Pool a tensor ``(N, C, H, W)`` or each tensor of a tuple.

        Returns:
            ``(N, C * h * w)`` (``h = w = 1`` for global pooling), or a tuple of them.
        """
        if isinstance(inputs, tuple):
            return tuple(self.gap(x).reshape(x.size(0), -1) for x in inputs)
        if isinstance(inputs, Tensor):
            return self.gap(inputs).reshape(inputs.size(0), -1)
        raise TypeError(
            f"GlobalAveragePooling: inputs must be a tensor or a tuple of tensors, "
            f"got {type(inputs).__name__}"
        )
