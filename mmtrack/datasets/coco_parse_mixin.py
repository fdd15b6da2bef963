"""Parsing and checking of COCO-style images and annotations, shared by datasets."""

from __future__ import annotations

import math
import os.path as osp
from typing import Optional

from .api_wrappers import COCO


class CocoParseMixin:
    """Turns COCO image/annotation dicts into mmengine ``data_info`` dicts.

    Needs ``self.ann_file``, ``self.data_prefix`` and ``self._metainfo`` (as
    :class:`mmengine.dataset.BaseDataset` has). Errors name the file, the
    record and the field.
    """

    ann_file: str
    data_prefix: dict
    _metainfo: dict
    cat2label: dict
    cat_ids: list

    def _init_categories(self, coco: COCO) -> None:
        """Map category ids of the file onto label indices of ``classes``.

        Labels follow the order of ``metainfo['classes']``; categories of the
        file that are not in ``classes`` are skipped. When ``classes`` is None
        all categories of the file are used, sorted by id.
        """
        cats = sorted(coco.cats.values(), key=lambda c: c["id"])
        for cat in cats:
            if "name" not in cat:
                raise ValueError(
                    f"{self.ann_file}: category id={cat['id']} is missing field 'name'"
                )
        classes = self._metainfo.get("classes")
        if classes is None:
            classes = tuple(c["name"] for c in cats)
            self._metainfo["classes"] = classes
        classes = tuple(classes)
        self.cat2label = {c["id"]: classes.index(c["name"]) for c in cats if c["name"] in classes}
        self.cat_ids = list(self.cat2label.keys())
        if cats and not self.cat2label and coco.anns:
            raise ValueError(
                f"{self.ann_file}: none of the field 'categories' names "
                f"{[c['name'] for c in cats]} is in the dataset classes {list(classes)}"
            )

    def _check_unique_ann_ids(self, coco: COCO) -> None:
        """Raise if two annotations share an id (pycocotools would silently keep one)."""
        seen: set = set()
        for ann in coco.dataset.get("annotations", []):
            if ann["id"] in seen:
                raise ValueError(f"{self.ann_file}: field 'annotations' repeats id {ann['id']}")
            seen.add(ann["id"])

    def _check_image(self, img_info: dict) -> None:
        for key in ("file_name", "height", "width"):
            if key not in img_info:
                raise ValueError(
                    f"{self.ann_file}: image id={img_info.get('id')} is missing field '{key}'"
                )
        for key in ("height", "width"):
            value = img_info[key]
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
                raise ValueError(
                    f"{self.ann_file}: image id={img_info.get('id')} has invalid field "
                    f"'{key}'={value!r}"
                )

    def _check_bbox(self, ann: dict) -> list[float]:
        """Return ``[x, y, w, h]`` of an annotation after checking it."""
        where = f"{self.ann_file}: annotation id={ann.get('id')} (image id={ann.get('image_id')})"
        if "bbox" not in ann:
            raise ValueError(f"{where} is missing field 'bbox'")
        bbox = ann["bbox"]
        if (
            not isinstance(bbox, (list, tuple))
            or len(bbox) != 4
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in bbox)
        ):
            raise ValueError(f"{where} has malformed field 'bbox'={bbox!r} (expected [x, y, w, h])")
        if not all(math.isfinite(v) for v in bbox):
            raise ValueError(f"{where} has a non-finite field 'bbox'={list(bbox)}")
        if bbox[2] < 0 or bbox[3] < 0:
            raise ValueError(f"{where} has a box of negative size in field 'bbox'={list(bbox)}")
        if "category_id" not in ann:
            raise ValueError(f"{where} is missing field 'category_id'")
        return [float(v) for v in bbox]

    def parse_instance(self, ann: dict, img_info: dict, index: int) -> Optional[dict]:
        """Turn one JSON annotation into an ``instance`` dict, or None to skip it.

        Skipped (as MMDetection): ``ignore`` annotations, boxes outside the
        image, boxes narrower or shorter than 1 pixel or with ``area <= 0``,
        categories outside ``classes``. ``iscrowd`` boxes are kept with
        ``ignore_flag=1``.

        Args:
            ann: the annotation dict of the JSON file.
            img_info: the image dict it belongs to.
            index: position of the annotation in the image (the instance id
                of images without ``instance_id``).
        """
        x1, y1, w, h = self._check_bbox(ann)
        if ann.get("ignore", False):
            return None
        inter_w = max(0.0, min(x1 + w, img_info["width"]) - max(x1, 0.0))
        inter_h = max(0.0, min(y1 + h, img_info["height"]) - max(y1, 0.0))
        if inter_w * inter_h == 0:
            return None
        if ann.get("area", w * h) <= 0 or w < 1 or h < 1:
            return None
        if ann["category_id"] not in self.cat2label:
            return None
        instance = dict(
            bbox=[x1, y1, x1 + w, y1 + h],
            bbox_label=self.cat2label[ann["category_id"]],
            ignore_flag=1 if ann.get("iscrowd", False) else 0,
            instance_id=ann["instance_id"] if ann.get("instance_id") is not None else index,
        )
        if ann.get("segmentation"):
            instance["mask"] = ann["segmentation"]
        return instance

    def _img_prefix(self) -> str | None:
        """Image folder: ``data_prefix['img_path']`` (MMTracking) or ``['img']`` (MMDetection).

        Raises:
            ValueError: both keys are given with different folders.
        """
        path, img = self.data_prefix.get("img_path"), self.data_prefix.get("img")
        if path is not None and img is not None and path != img:
            raise ValueError(
                f"{self.ann_file}: data_prefix has img_path={path!r} and img={img!r}; "
                "give one image folder"
            )
        return path if path is not None else img

    def parse_data_info(self, raw_data_info: dict) -> dict:
        """Parse one image and its annotations into a frame dict.

        Args:
            raw_data_info: ``dict(raw_img_info=..., raw_ann_info=[...])``.

        Returns:
            dict: the image fields plus ``img_path`` and ``instances``.
        """
        img_info = raw_data_info["raw_img_info"]
        self._check_image(img_info)
        data_info = dict(img_info)
        prefix = self._img_prefix()
        data_info["img_path"] = (
            osp.join(prefix, img_info["file_name"]) if prefix else img_info["file_name"]
        )
        instances = []
        for i, ann in enumerate(raw_data_info["raw_ann_info"]):
            instance = self.parse_instance(ann, img_info, i)
            if instance is not None:
                instances.append(instance)
        data_info["instances"] = instances
        return data_info
