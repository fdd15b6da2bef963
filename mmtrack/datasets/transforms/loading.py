"""Loading of images and track annotations (one frame per call)."""

from __future__ import annotations

import os.path as osp
from typing import Optional

import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms import LoadImageFromFile as _MMCVLoadImageFromFile

from mmtrack.registry import TRANSFORMS

from .mask_utils import empty_masks, mask_ann_to_bitmap


def _where(results: dict) -> str:
    parts = [f"image '{results.get('img_path', '?')}'"]
    for key in ("img_id", "video_id", "frame_id"):
        if results.get(key) is not None:
            parts.append(f"{key}={results[key]}")
    return " ".join(parts)


@TRANSFORMS.register_module()
class LoadImageFromFile(_MMCVLoadImageFromFile):
    """mmcv's ``LoadImageFromFile`` with a clear error for a missing file.

    Required keys: ``img_path``. Added keys: ``img`` ``(H, W, 3)`` uint8 BGR
    (float32 if ``to_float32``), ``img_shape`` and ``ori_shape`` ``(h, w)``.

    Args:
        **kwargs: arguments of :class:`mmcv.transforms.LoadImageFromFile`
            (``to_float32``, ``color_type``, ``imdecode_backend``,
            ``ignore_empty``, ``backend_args``).
    """

    def transform(self, results: dict) -> Optional[dict]:
        path = results.get("img_path")
        if path is None:
            raise KeyError(f"LoadImageFromFile: field 'img_path' missing for {_where(results)}")
        local = "://" not in str(path)
        if local and not osp.isfile(path):
            if self.ignore_empty:
                return None
            raise FileNotFoundError(
                f"image file not found: '{path}' (field 'img_path' of {_where(results)})"
            )
        return super().transform(results)


@TRANSFORMS.register_module()
class LoadTrackAnnotations(BaseTransform):
    """Turn the ``instances`` of a frame into ground-truth arrays.

    Required keys: ``instances`` (list of dicts with ``bbox`` x1y1x2y2,
    ``bbox_label``, ``instance_id``, ``ignore_flag`` and optional ``mask``),
    ``height``/``width`` or ``ori_shape`` (for masks).

    Added keys:

    * ``gt_bboxes``: ``(N, 4)`` float32, x1y1x2y2 pixels.
    * ``gt_bboxes_labels``: ``(N,)`` int64.
    * ``gt_instances_ids``: ``(N,)`` int64 (``with_instance_id``).
    * ``gt_ignore_flags``: ``(N,)`` bool.
    * ``gt_masks``: ``(N, H, W)`` bool bitmaps (``with_mask``), decoded from
      polygons or RLE.

    Args:
        with_bbox: load boxes and ignore flags. Defaults to True.
        with_label: load labels. Defaults to True.
        with_instance_id: load instance ids. Defaults to True.
        with_mask: decode masks. Defaults to False.
    """

    def __init__(
        self,
        with_bbox: bool = True,
        with_label: bool = True,
        with_instance_id: bool = True,
        with_mask: bool = False,
    ) -> None:
        self.with_bbox = with_bbox
        self.with_label = with_label
        self.with_instance_id = with_instance_id
        self.with_mask = with_mask

    def _field(self, results: dict, instance: dict, key: str, index: int):  # noqa: ANN202
        if key not in instance:
            raise KeyError(
                f"{type(self).__name__}: instance {index} of {_where(results)} is missing "
                f"field '{key}'"
            )
        return instance[key]

    def transform(self, results: dict) -> dict:
        if "instances" not in results:
            raise KeyError(
                f"{type(self).__name__}: field 'instances' missing for {_where(results)}"
            )
        instances = results["instances"]
        if self.with_bbox:
            boxes = [self._field(results, ins, "bbox", i) for i, ins in enumerate(instances)]
            bboxes = np.asarray(boxes, dtype=np.float32).reshape(-1, 4)
            if bboxes.size and (
                not np.isfinite(bboxes).all()
                or (bboxes[:, 2] < bboxes[:, 0]).any()
                or (bboxes[:, 3] < bboxes[:, 1]).any()
            ):
                bad = int(
                    np.flatnonzero(
                        ~np.isfinite(bboxes).all(1)
                        | (bboxes[:, 2] < bboxes[:, 0])
                        | (bboxes[:, 3] < bboxes[:, 1])
                    )[0]
                )
                raise ValueError(
                    f"{type(self).__name__}: instance {bad} of {_where(results)} has an invalid "
                    f"field 'bbox'={boxes[bad]!r} (x1y1x2y2 with x2 >= x1, y2 >= y1)"
                )
            results["gt_bboxes"] = bboxes
            results["gt_ignore_flags"] = np.array(
                [bool(ins.get("ignore_flag", 0)) for ins in instances], dtype=bool
            )
        if self.with_label:
            results["gt_bboxes_labels"] = np.array(
                [self._field(results, ins, "bbox_label", i) for i, ins in enumerate(instances)],
                dtype=np.int64,
            )
        if self.with_instance_id:
            results["gt_instances_ids"] = np.array(
                [self._field(results, ins, "instance_id", i) for i, ins in enumerate(instances)],
                dtype=np.int64,
            )
        if self.with_mask:
            if "ori_shape" in results:
                h, w = results["ori_shape"][:2]
            else:
                h, w = results["height"], results["width"]
            masks = [
                mask_ann_to_bitmap(
                    self._field(results, ins, "mask", i), h, w, f"instance {i} of {_where(results)}"
                )
                for i, ins in enumerate(instances)
            ]
            results["gt_masks"] = np.stack(masks) if masks else empty_masks(h, w)
        return results

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(with_bbox={self.with_bbox}, with_label={self.with_label}, "
            f"with_instance_id={self.with_instance_id}, with_mask={self.with_mask})"
        )


@TRANSFORMS.register_module()
class LoadAnnotations(LoadTrackAnnotations):
    """:class:`LoadTrackAnnotations` for still-image detection pipelines
    (instance ids not loaded by default).

    Args:
        with_bbox: load boxes and ignore flags. Defaults to True.
        with_label: load labels. Defaults to True.
        with_instance_id: load instance ids. Defaults to False.
        with_mask: decode masks. Defaults to False.
    """

    def __init__(
        self,
        with_bbox: bool = True,
        with_label: bool = True,
        with_instance_id: bool = False,
        with_mask: bool = False,
    ) -> None:
        super().__init__(with_bbox, with_label, with_instance_id, with_mask)
