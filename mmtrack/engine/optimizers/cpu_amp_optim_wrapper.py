"""Mixed-precision training on CPU (bfloat16 autocast)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
from mmengine.optim import OptimWrapper
from torch import nn

from mmtrack.registry import OPTIM_WRAPPERS

__all__ = ["CPUAmpOptimWrapper"]


@OPTIM_WRAPPERS.register_module()
class CPUAmpOptimWrapper(OptimWrapper):
    """:class:`~mmengine.optim.OptimWrapper` that runs the forward pass under CPU autocast.

    mmengine's ``AmpOptimWrapper`` needs CUDA (its ``GradScaler`` is CUDA-only).
    On CPU, ``tools/train.py --amp`` uses this wrapper instead: the forward
    pass and loss run under ``torch.autocast('cpu', dtype=torch.bfloat16)``.
    bfloat16 has float32's exponent range, so no loss scaling is needed and
    the optimizer state is the plain optimizer's (checkpoints are compatible
    with :class:`OptimWrapper`).

    Args:
        dtype: autocast data type; only ``'bfloat16'`` is supported on CPU.
            Defaults to ``'bfloat16'``.
        **kwargs: passed to :class:`~mmengine.optim.OptimWrapper`
            (``optimizer``, ``accumulative_counts``, ``clip_grad``).
    """

    def __init__(self, dtype: str | torch.dtype = "bfloat16", **kwargs) -> None:
        cast_dtype = getattr(torch, dtype, None) if isinstance(dtype, str) else dtype
        if cast_dtype is not torch.bfloat16:
            raise ValueError(
                f"CPUAmpOptimWrapper: dtype must be 'bfloat16' (CPU autocast without loss "
                f"scaling), got {dtype!r}"
            )
        super().__init__(**kwargs)
        self.cast_dtype = cast_dtype

    @contextmanager
    def optim_context(self, model: nn.Module) -> Iterator[None]:
        """Gradient-accumulation context of ``OptimWrapper`` plus CPU autocast."""
        with super().optim_context(model), torch.autocast("cpu", dtype=self.cast_dtype):
            yield
