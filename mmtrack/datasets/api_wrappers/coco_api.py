"""A thin wrapper of pycocotools' ``COCO`` with snake_case aliases and clear errors."""

from __future__ import annotations

import json
import os.path as osp
from typing import Any, Optional, Sequence, Union

from pycocotools.coco import COCO as _PyCOCO


def load_json_annotations(ann_file: str) -> dict:
    """Read a COCO-style JSON file and check its top level.

    Args:
        ann_file: path of the JSON file.

    Returns:
        dict: the parsed JSON object.

    Raises:
        FileNotFoundError: the file does not exist.
        ValueError: the file is not valid JSON or its top level is not a dict
            with an ``images`` list.
    """
    if not osp.isfile(ann_file):
        raise FileNotFoundError(f"annotation file not found: '{ann_file}'")
    try:
        with open(ann_file, encoding="utf-8") as f:
            dataset = json.load(f)
    except json.JSONDecodeError as e:
        raise ValueError(f"{ann_file}: not valid JSON ({e})") from e
    if not isinstance(dataset, dict):
        raise ValueError(
            f"{ann_file}: top level must be a JSON object, got {type(dataset).__name__}"
        )
    for key in ("images", "annotations", "categories", "videos"):
        if key in dataset and not isinstance(dataset[key], list):
            raise ValueError(
                f"{ann_file}: field '{key}' must be a list, got {type(dataset[key]).__name__}"
            )
    if "images" not in dataset:
        raise ValueError(f"{ann_file}: missing top-level field 'images'")
    return dataset


class COCO(_PyCOCO):
    """pycocotools ``COCO`` that reads its file quietly, names the file in
    errors and offers the snake_case API of MMDetection 3.x.

    Args:
        annotation_file: path of a COCO JSON file, or None for an empty index.
    """

    def __init__(self, annotation_file: Optional[str] = None) -> None:
        self.ann_file = annotation_file
        self.dataset: dict = {}
        self.anns: dict = {}
        self.cats: dict = {}
        self.imgs: dict = {}
        if annotation_file is not None:
            self.dataset = load_json_annotations(annotation_file)
        self.createIndex()

    # pycocotools prints while indexing; keep the index quiet and checked.
    def createIndex(self) -> None:  # noqa: N802 (pycocotools name)
        from collections import defaultdict

        anns, cats, imgs = {}, {}, {}
        img_to_anns, cat_to_imgs = defaultdict(list), defaultdict(list)
        for img in self.dataset.get("images", []):
            self._require(img, "id", "images")
            imgs[img["id"]] = img
        for ann in self.dataset.get("annotations", []):
            self._require(ann, "id", "annotations")
            self._require(ann, "image_id", "annotations")
            img_to_anns[ann["image_id"]].append(ann)
            anns[ann["id"]] = ann
        for cat in self.dataset.get("categories", []):
            self._require(cat, "id", "categories")
            cats[cat["id"]] = cat
        if "categories" in self.dataset:
            for ann in self.dataset.get("annotations", []):
                self._require(ann, "category_id", "annotations")
                cat_to_imgs[ann["category_id"]].append(ann["image_id"])
        self.anns = anns
        self.imgToAnns = img_to_anns
        self.catToImgs = cat_to_imgs
        self.imgs = imgs
        self.cats = cats

    def _require(self, record: Any, field: str, section: str) -> None:
        """Raise a clear error when ``record`` lacks ``field``."""
        if not isinstance(record, dict):
            raise ValueError(
                f"{self.ann_file}: every entry of '{section}' must be an object, got {record!r}"
            )
        if field not in record:
            ident = record.get("id", "?")
            raise ValueError(
                f"{self.ann_file}: entry id={ident} of '{section}' is missing field '{field}'"
            )

    # snake_case aliases (MMDetection 3.x API)
    def get_ann_ids(
        self,
        img_ids: Union[int, Sequence[int]] = (),
        cat_ids: Union[int, Sequence[int]] = (),
        area_rng: Sequence[float] = (),
        iscrowd: Optional[bool] = None,
    ) -> list[int]:
        """Annotation ids of the given images and categories."""
        return self.getAnnIds(
            imgIds=list(img_ids) if isinstance(img_ids, (list, tuple)) else img_ids,
            catIds=list(cat_ids) if isinstance(cat_ids, (list, tuple)) else cat_ids,
            areaRng=list(area_rng),
            iscrowd=iscrowd,
        )

    def get_cat_ids(
        self,
        cat_names: Union[str, Sequence[str]] = (),
        sup_names: Union[str, Sequence[str]] = (),
        cat_ids: Union[int, Sequence[int]] = (),
    ) -> list[int]:
        """Category ids whose names are in ``cat_names`` (all when empty)."""
        return self.getCatIds(
            catNms=list(cat_names) if isinstance(cat_names, (list, tuple)) else cat_names,
            supNms=list(sup_names) if isinstance(sup_names, (list, tuple)) else sup_names,
            catIds=list(cat_ids) if isinstance(cat_ids, (list, tuple)) else cat_ids,
        )

    def get_img_ids(
        self, img_ids: Union[int, Sequence[int]] = (), cat_ids: Union[int, Sequence[int]] = ()
    ) -> list[int]:
        """Image ids (all when no filter is given)."""
        return self.getImgIds(
            imgIds=list(img_ids) if isinstance(img_ids, (list, tuple)) else img_ids,
            catIds=list(cat_ids) if isinstance(cat_ids, (list, tuple)) else cat_ids,
        )

    def load_anns(self, ids: Union[int, Sequence[int]]) -> list[dict]:
        """Annotation dicts of the given ids."""
        return self.loadAnns(list(ids) if isinstance(ids, tuple) else ids)

    def load_cats(self, ids: Union[int, Sequence[int]]) -> list[dict]:
        """Category dicts of the given ids."""
        return self.loadCats(list(ids) if isinstance(ids, tuple) else ids)

    def load_imgs(self, ids: Union[int, Sequence[int]]) -> list[dict]:
        """Image dicts of the given ids."""
        return self.loadImgs(list(ids) if isinstance(ids, tuple) else ids)

    @property
    def cat_img_map(self) -> dict:
        """``category id -> list of image ids`` (one entry per annotation)."""
        return self.catToImgs

    @property
    def img_ann_map(self) -> dict:
        """``image id -> list of annotation dicts``."""
        return self.imgToAnns
