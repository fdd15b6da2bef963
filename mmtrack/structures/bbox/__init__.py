"""Box helpers."""

from .transforms import (
    bbox2roi,
    bbox_clip,
    bbox_cxcyah_to_xyxy,
    bbox_cxcywh_to_xyxy,
    bbox_flip,
    bbox_rescale,
    bbox_xywh_to_xyxy,
    bbox_xyxy_to_cxcyah,
    bbox_xyxy_to_cxcywh,
    bbox_xyxy_to_xywh,
    box_convert,
    roi2bbox,
    scale_boxes,
)

__all__ = [
    "bbox2roi",
    "bbox_clip",
    "bbox_cxcyah_to_xyxy",
    "bbox_cxcywh_to_xyxy",
    "bbox_flip",
    "bbox_rescale",
    "bbox_xywh_to_xyxy",
    "bbox_xyxy_to_cxcyah",
    "bbox_xyxy_to_cxcywh",
    "bbox_xyxy_to_xywh",
    "box_convert",
    "roi2bbox",
    "scale_boxes",
]
