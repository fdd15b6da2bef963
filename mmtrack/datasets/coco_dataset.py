"""Still-image COCO detection dataset (for training detectors on their own)."""

from __future__ import annotations

from typing import Any

from mmengine.dataset import BaseDataset
from mmengine.logging import print_log

from mmtrack.registry import DATASETS

from .api_wrappers import COCO
from .base_video_dataset import _build_pipeline
from .coco_parse_mixin import CocoParseMixin


@DATASETS.register_module()
class CocoDataset(CocoParseMixin, BaseDataset):
    """COCO-format detection dataset: one item per image.

    Reads any COCO JSON (CocoVID files too, their video fields are kept as
    image fields). Each data info has the image fields plus ``img_id``,
    ``img_path`` and ``instances`` (``bbox`` x1y1x2y2, ``bbox_label``,
    ``ignore_flag``, ``instance_id``, optional ``mask``), as
    :class:`~mmtrack.datasets.BaseVideoDataset` frames. Pipelines end with
    :class:`~mmtrack.datasets.transforms.PackDetInputs`.

    Args:
        filter_cfg: training filter, ``dict(filter_empty_gt=True,
            min_size=32)``; None keeps every image. Defaults to None.
        **kwargs: :class:`mmengine.dataset.BaseDataset` arguments.
    """

    METAINFO: dict = dict(classes=None)

    def __init__(self, **kwargs: Any) -> None:
        if "pipeline" in kwargs:
            kwargs["pipeline"] = _build_pipeline(kwargs["pipeline"])
        super().__init__(**kwargs)

    def load_data_list(self) -> list[dict]:
        """One data info per image of ``ann_file`` (file order)."""
        coco = COCO(self.ann_file)
        self._init_categories(coco)
        self._check_unique_ann_ids(coco)
        data_list = []
        for img_id in coco.get_img_ids():
            raw_img_info = dict(coco.imgs[img_id])
            raw_img_info["img_id"] = img_id
            raw_ann_info = coco.load_anns(coco.get_ann_ids(img_ids=[img_id]))
            data_list.append(
                self.parse_data_info(dict(raw_img_info=raw_img_info, raw_ann_info=raw_ann_info))
            )
        return data_list

    def filter_data(self) -> list[dict]:
        """Drop training images without a non-ignored instance or smaller than ``min_size``."""
        if self.test_mode or self.filter_cfg is None:
            kept = self.data_list
        else:
            kept = self._filter(self.data_list)
        if not kept:
            self.serialize_data = False  # mmengine cannot serialize an empty list
        return kept

    def _filter(self, data_list: list[dict]) -> list[dict]:
        filter_empty_gt = self.filter_cfg.get("filter_empty_gt", True)
        min_size = self.filter_cfg.get("min_size", 0)
        kept = [
            info
            for info in data_list
            if not (
                filter_empty_gt
                and not any(ins.get("ignore_flag", 0) == 0 for ins in info["instances"])
            )
            and min(info["width"], info["height"]) >= min_size
        ]
        print_log(
            f"images before / after filtering: {len(self.data_list)} / {len(kept)}", "current"
        )
        return kept

    def get_cat_ids(self, idx: int) -> list[int]:
        """Labels of the instances of image ``idx``."""
        return [ins["bbox_label"] for ins in self.get_data_info(idx)["instances"]]
