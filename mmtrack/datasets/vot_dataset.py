"""VOT: Visual Object Tracking challenge data sets (2018 and later, box annotations)."""

from __future__ import annotations

import os
import os.path as osp
from typing import Any

import numpy as np

from mmtrack.registry import DATASETS

from .base_sot_dataset import BaseSOTDataset, frame_id_range, parse_box_file

VOT_DATASET_TYPES = (
    "vot2018", "vot2018_lt", "vot2019", "vot2019_lt", "vot2019_rgbd", "vot2019_rgbt",
    "vot2020", "vot2021", "vot2022",
)  # fmt: skip


def polygon_to_xyxy(polygons: np.ndarray, mode: str = "minmax") -> np.ndarray:
    """Axis-aligned boxes of (rotated) quadrilaterals.

    Args:
        polygons (np.ndarray): ``(N, 8)`` corners ``x1,y1,...,x4,y4`` in order
            around the quadrilateral.
        mode (str): ``'minmax'``: the smallest enclosing box (the VOT toolkit's
            polygon-to-rectangle conversion). ``'area'``: the box centred on the
            mean of the corners with the enclosing box's aspect ratio, scaled to
            the quadrilateral's area ``|p1 p2| * |p2 p3|`` (the SiamFC/SiamRPN
            initialisation on VOT). Defaults to "minmax".

    Returns:
        np.ndarray: ``(N, 4)`` x1y1x2y2 boxes, same dtype as the input.
    """
    xs, ys = polygons[:, 0::2], polygons[:, 1::2]
    x1, x2 = xs.min(axis=1), xs.max(axis=1)
    y1, y2 = ys.min(axis=1), ys.max(axis=1)
    if mode == "minmax":
        return np.stack([x1, y1, x2, y2], axis=-1)
    if mode != "area":
        raise ValueError(f"polygon_to_xyxy mode must be 'minmax' or 'area', got {mode!r}")
    cx, cy = xs.mean(axis=1), ys.mean(axis=1)
    side1 = np.linalg.norm(polygons[:, 0:2] - polygons[:, 2:4], axis=1)
    side2 = np.linalg.norm(polygons[:, 2:4] - polygons[:, 4:6], axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.sqrt(side1 * side2 / ((x2 - x1) * (y2 - y1)))
    w, h = scale * (x2 - x1), scale * (y2 - y1)
    return np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=-1)


def rect_to_polygon(region: list[float]) -> list[float]:
    """Corners of an ``x, y, w, h`` rectangle; a polygon is returned unchanged.

    Args:
        region (list[float]): 4 (rectangle) or 8 (polygon) values.

    Returns:
        list[float]: ``x1,y1,...,x4,y4`` clockwise from the top-left corner.
    """
    if len(region) != 4:
        return region
    x, y, w, h = region
    return [x, y, x + w, y, x + w, y + h, x, y + h]


def list_vot_videos(data_root: str) -> list[dict]:
    """Sequences of a VOT data set in the layout ``<root>/data/<video>/color``.

    Args:
        data_root (str): VOT root (holding ``data``).

    Returns:
        list[dict]: ``data/<video>/color``, ``data/<video>/groundtruth.txt``,
        frames 1..last, sorted by name.
    """
    seq_root = osp.join(data_root, "data")
    if not osp.isdir(seq_root):
        raise FileNotFoundError(f"{seq_root}: VOT sequence folder not found")
    infos = []
    for name in sorted(os.listdir(seq_root)):
        if not osp.isdir(osp.join(seq_root, name)):
            continue
        video_path = osp.join("data", name, "color")
        _, last = frame_id_range(osp.join(data_root, video_path))
        infos.append(
            dict(
                video_path=video_path,
                ann_path=osp.join("data", name, "groundtruth.txt"),
                start_frame_id=1,
                end_frame_id=last,
                framename_template=VOTDataset.FRAMENAME_TEMPLATE,
            )
        )
    return infos


@DATASETS.register_module()
class VOTDataset(BaseSOTDataset):
    """VOT dataset (testing only).

    Frames are ``data/<video>/color/%08d.jpg``; ``groundtruth.txt`` holds one
    region per frame, a polygon ``x1,y1,...,x4,y4`` (8 values, rotated boxes of
    VOT2018/2019) or a rectangle ``x,y,w,h`` (4 values). Mask regions of the
    VOT2020+ segmentation challenges are not supported.

    Every frame gets ``bboxes`` (axis-aligned x1y1x2y2, see ``bbox_mode``) and
    ``polygons`` ``(N, 8)`` (kept for the VOT accuracy/EAO evaluation); test
    items carry ``gt_polygons`` ``(1, 8)`` and ``instances[0]['polygon']``.

    Args:
        dataset_type (str): The challenge, one of ``VOT_DATASET_TYPES`` (read by
            the evaluation for its EAO interval). Defaults to "vot2018".
        bbox_mode (str): Polygon to box conversion, see
            :func:`polygon_to_xyxy`. Defaults to "minmax".
        **kwargs: See :class:`BaseSOTDataset`.
    """

    FRAMENAME_TEMPLATE = "%08d.jpg"
    BOX_COLUMNS = (4, 8)

    def __init__(
        self, dataset_type: str = "vot2018", bbox_mode: str = "minmax", **kwargs: Any
    ) -> None:
        if dataset_type not in VOT_DATASET_TYPES:
            raise ValueError(
                f"VOTDataset dataset_type must be one of {VOT_DATASET_TYPES}, got {dataset_type!r}"
            )
        if bbox_mode not in ("minmax", "area"):
            raise ValueError(f"VOTDataset bbox_mode must be 'minmax' or 'area', got {bbox_mode!r}")
        self.dataset_type = dataset_type
        self.bbox_mode = bbox_mode
        super().__init__(**kwargs)

    def scan_videos(self, root: str) -> list[dict]:
        """All sequences under ``root`` (see :func:`list_vot_videos`)."""
        return list_vot_videos(root)

    def _load_boxes(self, video_idx: int) -> np.ndarray:
        info = self.get_data_info(video_idx)
        path = osp.join(self.img_root, info["ann_path"])
        return parse_box_file(path, self.BOX_COLUMNS, rect_to_polygon)

    def get_bboxes_from_video(self, video_idx: int) -> np.ndarray:
        """Regions of a video as polygons.

        Args:
            video_idx (int): Video index.

        Returns:
            np.ndarray: ``(N, 8)`` polygons (rectangles turned into their corners).
        """
        return super().get_bboxes_from_video(video_idx)

    def get_ann_infos_from_video(self, video_idx: int) -> dict:
        """Annotations of a video: boxes, polygons and validity.

        Args:
            video_idx (int): Video index.

        Returns:
            dict: ``bboxes`` ``(N, 4)`` x1y1x2y2 float32, ``polygons`` ``(N, 8)``
            float32, ``has_gt``, ``bboxes_isvalid`` and ``visible`` ``(N,)`` bool.
        """
        length = self.get_len_per_video(video_idx)
        regions = self.get_bboxes_from_video(video_idx)
        polygons = np.full((length, 8), np.nan, dtype=np.float32)
        polygons[: len(regions)] = regions
        bboxes = polygon_to_xyxy(polygons, self.bbox_mode).astype(np.float32)
        has_gt = np.zeros(length, dtype=bool)
        has_gt[: len(regions)] = True
        with np.errstate(invalid="ignore"):
            wh = bboxes[:, 2:] - bboxes[:, :2]
            isvalid = (wh[:, 0] > self.bbox_min_size) & (wh[:, 1] > self.bbox_min_size)
        visible = self.get_visibility_from_video(video_idx)["visible"] & isvalid
        return dict(
            bboxes=bboxes, polygons=polygons, has_gt=has_gt, bboxes_isvalid=isvalid, visible=visible
        )

    def _frame_annotations(self, infos: dict, frame_idx: int) -> dict:
        results = super()._frame_annotations(infos, frame_idx)
        if infos["has_gt"][frame_idx]:
            polygon = infos["polygons"][frame_idx].copy()
            results["instances"][0]["polygon"] = polygon
            results["gt_polygons"] = polygon[None]
        else:
            results["gt_polygons"] = np.zeros((0, 8), dtype=np.float32)
        return results
