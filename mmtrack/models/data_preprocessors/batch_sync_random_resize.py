"""YOLOX multi-scale training: resize whole batches, same size on every rank."""

from __future__ import annotations

import random
from collections.abc import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.dist import barrier, broadcast, get_dist_info
from mmengine.logging import MessageHub
from torch import Tensor

from mmtrack.registry import MODELS


@MODELS.register_module()
class BatchSyncRandomResize(nn.Module):
    """Resize a batch to a random size, re-drawn every ``interval`` iterations.

    A batch augmentation of the data preprocessor (``batch_augments``). The
    current size is applied to the padded batch ``(N, C, H, W)`` with bilinear
    interpolation; ``gt_instances.bboxes`` (and ``ignored_instances``) and
    the ``img_shape``/``pad_shape``/``batch_input_shape`` metainfo are scaled
    to match. After iteration ``it`` with ``(it + 1) % interval == 0``, rank 0
    draws a new height ``32 * randint(lo / 32, hi / 32)`` and width
    ``32 * int(aspect * height / 32)`` (aspect of the current batch) and
    broadcasts it, so every rank trains on the same shape. The first batch
    keeps its own size.

    The iteration is read from mmengine's ``MessageHub`` (``'iter'``, set by
    the runner); without a runner an internal counter is used. The current
    size is not in the state dict (checkpoints of the original keep their
    keys); :meth:`runtime_state` hands it to ``ExactResumeHook`` instead.

    Args:
        random_size_range: ``(min, max)`` height in pixels, e.g. ``(480, 800)``.
        interval: iterations between size changes. Defaults to 10.
        size_divisor: sizes are multiples of this. Defaults to 32.
    """

    def __init__(
        self, random_size_range: Sequence[int], interval: int = 10, size_divisor: int = 32
    ) -> None:
        super().__init__()
        if len(random_size_range) != 2 or random_size_range[0] > random_size_range[1]:
            raise ValueError(
                "BatchSyncRandomResize: random_size_range must be (min, max), "
                f"got {random_size_range}"
            )
        if interval < 1 or size_divisor < 1:
            raise ValueError(
                "BatchSyncRandomResize: interval and size_divisor must be >= 1, "
                f"got interval={interval}, size_divisor={size_divisor}"
            )
        self._input_size: tuple[int, int] | None = None
        self._random_size_range = (
            round(random_size_range[0] / size_divisor),
            round(random_size_range[1] / size_divisor),
        )
        self._interval = interval
        self._size_divisor = size_divisor
        self._local_iter = 0

    def forward(self, inputs: Tensor, data_samples: list) -> tuple[Tensor, list]:
        """Resize ``inputs`` ``(N, C, H, W)`` and the boxes of ``data_samples``.

        Args:
            inputs: normalised, padded batch.
            data_samples: one ``DetDataSample`` per image (with
                ``gt_instances``).

        Returns:
            The resized batch and the same data samples, updated in place.
        """
        h, w = inputs.shape[-2:]
        if self._input_size is None:
            self._input_size = (h, w)
        scale_y = self._input_size[0] / h
        scale_x = self._input_size[1] / w
        if scale_x != 1 or scale_y != 1:
            inputs = F.interpolate(
                inputs, size=self._input_size, mode="bilinear", align_corners=False
            )
            for sample in data_samples:
                img_shape = sample.metainfo.get("img_shape", (h, w))
                pad_shape = sample.metainfo.get("pad_shape", (h, w))
                sample.set_metainfo(
                    {
                        "img_shape": (int(img_shape[0] * scale_y), int(img_shape[1] * scale_x)),
                        "pad_shape": (int(pad_shape[0] * scale_y), int(pad_shape[1] * scale_x)),
                        "batch_input_shape": tuple(self._input_size),
                    }
                )
                for field in ("gt_instances", "ignored_instances"):
                    if field in sample and "bboxes" in sample.get(field):
                        instances = sample.get(field)
                        bboxes = instances.bboxes.clone()
                        bboxes[..., 0::2] *= scale_x
                        bboxes[..., 1::2] *= scale_y
                        instances.bboxes = bboxes

        message_hub = MessageHub.get_current_instance()
        cur_iter = message_hub.get_info("iter")
        if cur_iter is None:
            cur_iter = self._local_iter
        self._local_iter += 1
        if (cur_iter + 1) % self._interval == 0:
            self._input_size = self._get_random_size(float(w / h), inputs.device)
        return inputs, data_samples

    def runtime_state(self) -> dict:
        """The current size and counter, saved in checkpoints by ``ExactResumeHook``."""
        size = None if self._input_size is None else [int(v) for v in self._input_size]
        return dict(input_size=size, local_iter=self._local_iter)

    def load_runtime_state(self, state: dict) -> None:
        """Restore :meth:`runtime_state` on resume, so the resumed batches keep their size."""
        size = state.get("input_size")
        self._input_size = None if size is None else (int(size[0]), int(size[1]))
        self._local_iter = int(state.get("local_iter", 0))

    def _get_random_size(self, aspect_ratio: float, device: torch.device) -> tuple[int, int]:
        """Draw ``(h, w)`` on rank 0 and broadcast it to every rank."""
        rank, world_size = get_dist_info()
        tensor = torch.zeros(2, dtype=torch.long, device=device)
        if rank == 0:
            size = random.randint(*self._random_size_range)
            tensor[0] = self._size_divisor * size
            tensor[1] = self._size_divisor * int(aspect_ratio * size)
        if world_size > 1:
            barrier()
            broadcast(tensor, 0)
        return int(tensor[0].item()), int(tensor[1].item())
