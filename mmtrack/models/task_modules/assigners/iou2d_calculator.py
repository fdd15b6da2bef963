"""2D box overlap calculator (``BboxOverlaps2D``) built from configs."""

from __future__ import annotations

from typing import Optional

from torch import Tensor

from mmtrack.ops.bbox_overlaps import bbox_overlaps
from mmtrack.registry import TASK_UTILS


@TASK_UTILS.register_module()
class BboxOverlaps2D:
    """IoU / IoF / GIoU of x1y1x2y2 boxes (extra columns such as scores are dropped).

    Args:
        scale: boxes are divided by this before computing (for fp16). Defaults to 1.0.
        dtype: ``'fp16'`` computes in half precision. Defaults to None.
    """

    def __init__(self, scale: float = 1.0, dtype: Optional[str] = None) -> None:
        if dtype not in (None, "fp16"):
            raise ValueError(f"BboxOverlaps2D: dtype must be None or 'fp16', got {dtype!r}")
        self.scale = scale
        self.dtype = dtype

    def __call__(
        self, bboxes1: Tensor, bboxes2: Tensor, mode: str = "iou", is_aligned: bool = False
    ) -> Tensor:
        """Overlaps of ``bboxes1`` ``(m, 4|5)`` with ``bboxes2`` ``(n, 4|5)`` -> ``(m, n)``."""
        if bboxes1.size(-1) == 5:
            bboxes1 = bboxes1[..., :4]
        if bboxes2.size(-1) == 5:
            bboxes2 = bboxes2[..., :4]
        if self.dtype == "fp16":
            b1 = (bboxes1 / self.scale).half()
            b2 = (bboxes2 / self.scale).half()
            out = bbox_overlaps(b1, b2, mode, is_aligned)
            return out.float() if not out.is_cuda else out
        if self.scale != 1.0:
            bboxes1, bboxes2 = bboxes1 / self.scale, bboxes2 / self.scale
        return bbox_overlaps(bboxes1, bboxes2, mode, is_aligned)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(scale={self.scale}, dtype={self.dtype})"
