"""MOTChallenge (MOT15/16/17/20) dataset."""

from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from mmtrack.registry import DATASETS

from .base_video_dataset import BaseVideoDataset
from .safe_pickle import load_array_pickle

# MOTChallenge gt classes: 1 pedestrian; 2 person on vehicle, 7 static person,
# 8 distractor, 12 reflection, 13 crowd are ignored in evaluation.
MOT_PEDESTRIAN = 1
MOT_IGNORE_CLASSES = (2, 7, 8, 12, 13)


@DATASETS.register_module()
class MOTChallengeDataset(BaseVideoDataset):
    """MOTChallenge dataset on the CocoVID files of ``mot2coco.py``.

    Instances keep ``visibility``, ``mot_conf`` and ``mot_class_id`` when the
    file has them and become ignored (``ignore_flag=1``, packed into
    ``ignored_instances``) when:

    * ``mot_class_id`` is a distractor class (2, 7, 8, 12, 13);
    * ``mot_conf == 0`` (entries MOTChallenge marks as not to be considered);
    * in training, ``visibility < visibility_thr``.

    Other non-pedestrian MOT classes (3-6, 9-11) are skipped.

    With ``detection_file`` (``*_detections.pkl`` of ``mot2coco.py
    --convert-det``: ``dict(det_bboxes={file_name: (n, 5) array or list of
    per-class arrays, x1y1x2y2 + score})``) every frame gets
    ``public_bboxes`` ``(n, 4)`` float32, ``public_scores`` ``(n,)`` and
    ``public_labels`` ``(n,)`` int64 in original image coordinates (packed as
    ``public_instances``).

    Args:
        visibility_thr: minimum visibility of training boxes. Defaults to -1.
        detection_file: public detection file. Defaults to None.
        ignore_mot_class_ids: MOT classes turned into ignored instances.
            Defaults to (2, 7, 8, 12, 13).
        **kwargs: :class:`BaseVideoDataset` arguments.
    """

    METAINFO: dict = dict(classes=("pedestrian",))

    def __init__(
        self,
        visibility_thr: float = -1,
        detection_file: Optional[str] = None,
        ignore_mot_class_ids: Sequence[int] = MOT_IGNORE_CLASSES,
        **kwargs: Any,
    ) -> None:
        self.visibility_thr = visibility_thr
        self.detection_file = detection_file
        self.ignore_mot_class_ids = tuple(ignore_mot_class_ids)
        super().__init__(**kwargs)

    def parse_instance(self, ann: dict, img_info: dict, index: int) -> Optional[dict]:
        """:meth:`BaseVideoDataset.parse_instance` plus the MOT ignore rules."""
        class_id = ann.get("mot_class_id", MOT_PEDESTRIAN)
        if class_id != MOT_PEDESTRIAN and class_id not in self.ignore_mot_class_ids:
            self._check_bbox(ann)
            return None
        instance = super().parse_instance(ann, img_info, index)
        if instance is None:
            return None
        for key in ("visibility", "mot_conf", "mot_class_id"):
            if key in ann:
                instance[key] = ann[key]
        ignore = class_id in self.ignore_mot_class_ids or ann.get("mot_conf", 1) == 0
        if not self.test_mode and ann.get("visibility", 1.0) < self.visibility_thr:
            ignore = True
        if ignore:
            instance["ignore_flag"] = 1
        return instance

    def load_data_list(self) -> list[dict]:
        data_list = super().load_data_list()
        if self.detection_file is not None:
            self._attach_detections(data_list)
        return data_list

    def _attach_detections(self, data_list: list[dict]) -> None:
        dets = load_array_pickle(self.detection_file)
        if isinstance(dets, dict) and "det_bboxes" in dets:
            dets = dets["det_bboxes"]
        if not isinstance(dets, dict):
            raise ValueError(
                f"{self.detection_file}: field 'det_bboxes' must map file names to arrays, "
                f"got {type(dets).__name__}"
            )
        found = 0
        for video in data_list:
            for frame in video["images"]:
                value = dets.get(frame["file_name"])
                found += value is not None
                bboxes, scores, labels = self._parse_dets(value, frame["file_name"])
                frame.update(public_bboxes=bboxes, public_scores=scores, public_labels=labels)
        if found == 0 and any(video["images"] for video in data_list):
            raise ValueError(
                f"{self.detection_file}: no image of {self.ann_file} has detections "
                "(keys of 'det_bboxes' must be the images' 'file_name')"
            )

    def _parse_dets(self, value: Any, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if value is None:
            return np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros(0, np.int64)
        per_class = value if isinstance(value, (list, tuple)) else [value]
        arrays, labels = [np.zeros((0, 5), np.float32)], [np.zeros(0, np.int64)]
        for label, arr in enumerate(per_class):
            arr = np.asarray(arr, dtype=np.float32)
            if arr.size == 0:
                arr = arr.reshape(0, 5)
            if arr.ndim != 2 or arr.shape[1] != 5:
                raise ValueError(
                    f"{self.detection_file}: detections of '{name}' must be (n, 5) "
                    f"x1, y1, x2, y2, score; got shape {arr.shape}"
                )
            arrays.append(arr)
            labels.append(np.full(len(arr), label, np.int64))
        dets = np.concatenate(arrays)
        return dets[:, :4].copy(), dets[:, 4].copy(), np.concatenate(labels)
