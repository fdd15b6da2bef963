"""Annotation-file parsers (pycocotools-based)."""

from .coco_api import COCO, load_json_annotations
from .coco_video_api import CocoVID

__all__ = ["COCO", "CocoVID", "load_json_annotations"]
