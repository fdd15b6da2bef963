"""RoIPool (Fast R-CNN max pooling over quantised bins) on torchvision's kernels.

Bins follow torchvision (and Caffe's original Fast R-CNN): the roi corners are
rounded to feature-map pixels, the roi spans ``round(x2) - round(x1) + 1``
pixels, and bin ``p`` covers pixels ``floor(p * bin)`` to ``ceil((p + 1) * bin)``
(exclusive) from the roi start, clipped to the map; an empty bin gives 0.
mmcv's own kernel quantises slightly differently (no rounding of the corners,
``x2 + 1`` as the end), so bins may differ by one pixel from mmcv's on
non-integer boxes.
"""

from __future__ import annotations

from typing import Union

from torch import Tensor, nn
from torch.nn.modules.utils import _pair
from torchvision.ops import roi_pool as _tv_roi_pool

from mmtrack.registry import MODELS

from .roi_align import _check_inputs


def roi_pool(
    input: Tensor,
    rois: Tensor,
    output_size: Union[int, tuple[int, int]],
    spatial_scale: float = 1.0,
) -> Tensor:
    """Max-pool each RoI into a ``(PH, PW)`` grid of bins.

    Args:
        input: ``(N, C, H, W)`` feature map.
        rois: ``(K, 5)`` ``[batch_idx, x1, y1, x2, y2]`` in input-image pixels.
        output_size: ``(PH, PW)`` or one int.
        spatial_scale: image-to-feature scale (``1 / stride``). Defaults to 1.0.

    Returns:
        ``(K, C, PH, PW)`` pooled features.
    """
    _check_inputs(input, rois, "roi_pool")
    if rois.dtype != input.dtype:
        rois = rois.to(input.dtype)
    return _tv_roi_pool(input, rois, _pair(output_size), float(spatial_scale))


@MODELS.register_module()
class RoIPool(nn.Module):
    """Module form of :func:`roi_pool` (mmcv's ``RoIPool`` signature).

    Args:
        output_size: ``(PH, PW)`` or one int.
        spatial_scale: image-to-feature scale. Defaults to 1.0.
    """

    def __init__(self, output_size: Union[int, tuple[int, int]], spatial_scale: float = 1.0):
        super().__init__()
        self.output_size = _pair(output_size)
        self.spatial_scale = float(spatial_scale)

    def forward(self, input: Tensor, rois: Tensor) -> Tensor:
        """``(N, C, H, W)`` features, ``(K, 5)`` rois -> ``(K, C, PH, PW)``."""
        return roi_pool(input, rois, self.output_size, self.spatial_scale)

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(output_size={self.output_size}, "
            f"spatial_scale={self.spatial_scale})"
        )
