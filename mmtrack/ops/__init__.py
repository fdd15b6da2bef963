"""Detection and tracking ops with the mmcv API, on torchvision kernels or pure PyTorch.

No compiled extension: NMS, RoIAlign (avg) and RoIPool run on torchvision's
CPU/CUDA kernels; soft-NMS, RoIAlign max mode, box overlaps, Precise RoI
Pooling, cross-correlation and multi-scale deformable attention are written
in PyTorch and work on any device.
"""

from .bbox_overlaps import bbox_overlaps
from .ms_deform_attn import multi_scale_deformable_attn
from .nms import batched_nms, nms, soft_nms
from .prroi_pool import PrRoIPool, prroi_pool
from .roi_align import RoIAlign, roi_align
from .roi_pool import RoIPool, roi_pool
from .xcorr import depthwise_xcorr, naive_xcorr

__all__ = [
    "PrRoIPool",
    "RoIAlign",
    "RoIPool",
    "batched_nms",
    "bbox_overlaps",
    "depthwise_xcorr",
    "multi_scale_deformable_attn",
    "naive_xcorr",
    "nms",
    "prroi_pool",
    "roi_align",
    "roi_pool",
    "soft_nms",
]
