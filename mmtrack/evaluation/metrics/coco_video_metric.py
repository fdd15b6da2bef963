"""COCO box AP over all frames of videos (video object detection)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import os.path as osp
import tempfile
from collections import OrderedDict
from typing import Optional, Sequence, Union

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from mmtrack.registry import METRICS

from ..functional.table import format_table
from .frame_sample import as_array, iter_frames

#: Index of each summary number in ``COCOeval.stats``.
COCO_METRIC_NAMES = {
    "mAP": 0,
    "mAP_50": 1,
    "mAP_75": 2,
    "mAP_s": 3,
    "mAP_m": 4,
    "mAP_l": 5,
    "AR@100": 6,
    "AR@300": 7,
    "AR@1000": 8,
    "AR_s@1000": 9,
    "AR_m@1000": 10,
    "AR_l@1000": 11,
}


def _quiet_coco(dataset: dict) -> COCO:
    coco = COCO()
    coco.dataset = dataset
    with contextlib.redirect_stdout(io.StringIO()):
        coco.createIndex()
    return coco


def _xyxy_to_xywh(box: np.ndarray) -> list:
    b = box.tolist()
    return [b[0], b[1], b[2] - b[0], b[3] - b[1]]


@METRICS.register_module()
class CocoVideoMetric(BaseMetric):
    """COCO detection AP (pycocotools) over every evaluated frame.

    As MMDetection's ``CocoMetric`` that MMTracking uses for VID: results are
    turned into COCO json (x1y1x2y2 -> xywh, label -> category id),
    ``COCOeval`` runs with ``imgIds`` = the evaluated frames, ``catIds`` =
    the dataset's classes and ``maxDets = proposal_nums`` (so mAP uses 100
    and the other numbers 1000 detections per frame, as in MMDetection).

    Each processed frame contributes ``pred_det_instances`` (or else
    ``pred_instances``): ``bboxes`` ``(N, 4)`` x1y1x2y2 in original-image
    pixels, ``scores``, ``labels`` (0-based class index), plus metainfo
    ``img_id`` and ``ori_shape``. Ground truth comes from ``ann_file`` (a
    CocoVID/COCO json whose image ids are the samples' ``img_id``) or, without
    it, from the samples: ``gt_instances`` (``bboxes``, ``labels``) and
    ``ignored_instances`` (counted as crowd), or the metainfo ``instances``
    (``bbox``, ``bbox_label``, ``ignore_flag``).

    Args:
        ann_file (str, optional): COCO-format ground truth.
        metric (str | Sequence[str]): Only ``'bbox'``.
        classwise (bool): Also report the AP of every class.
        proposal_nums (Sequence[int]): ``maxDets`` of COCOeval.
        iou_thrs (Sequence[float], optional): IoU thresholds (default
            0.50:0.05:0.95).
        metric_items (Sequence[str], optional): Keys of
            :data:`COCO_METRIC_NAMES` to report (default the six mAPs).
        format_only (bool): Only write ``<outfile_prefix>.bbox.json``.
        outfile_prefix (str, optional): Prefix of the json file.
        collect_device (str): ``'cpu'`` or ``'gpu'``.
        prefix (str, optional): Key prefix, default ``'coco'``.

    Returns (``compute_metrics``):
        dict: ``bbox_mAP``, ``bbox_mAP_50``, ``bbox_mAP_75``, ``bbox_mAP_s``,
        ``bbox_mAP_m``, ``bbox_mAP_l`` (fractions rounded to 3 decimals as
        MMDetection; -1 where a size bucket has no gt), with ``classwise``
        also ``{class}_precision``.
    """

    default_prefix: Optional[str] = "coco"

    def __init__(
        self,
        ann_file: Optional[str] = None,
        metric: Union[str, Sequence[str]] = "bbox",
        classwise: bool = False,
        proposal_nums: Sequence[int] = (100, 300, 1000),
        iou_thrs: Optional[Sequence[float]] = None,
        metric_items: Optional[Sequence[str]] = None,
        format_only: bool = False,
        outfile_prefix: Optional[str] = None,
        collect_device: str = "cpu",
        prefix: Optional[str] = None,
    ) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        metrics = [metric] if isinstance(metric, str) else list(metric)
        if metrics != ["bbox"]:
            raise KeyError(f"CocoVideoMetric evaluates 'bbox' only, got {metrics}")
        if metric_items is not None:
            for item in metric_items:
                if item not in COCO_METRIC_NAMES:
                    raise KeyError(f"metric item {item!r} is not in {list(COCO_METRIC_NAMES)}")
        if format_only and outfile_prefix is None:
            raise ValueError("format_only=True needs outfile_prefix")
        if len(proposal_nums) != 3:
            raise ValueError(f"proposal_nums must have 3 values, got {list(proposal_nums)}")
        self.metrics = metrics
        self.classwise = classwise
        self.proposal_nums = list(proposal_nums)
        self.iou_thrs = (
            np.linspace(0.5, 0.95, int(np.round((0.95 - 0.5) / 0.05)) + 1, endpoint=True)
            if iou_thrs is None
            else np.asarray(iou_thrs, dtype=np.float64)
        )
        self.metric_items = list(metric_items) if metric_items else None
        self.format_only = format_only
        self.outfile_prefix = outfile_prefix
        self.ann_file = ann_file
        self._coco_gt: Optional[COCO] = None
        if ann_file is not None:
            if not osp.isfile(ann_file):
                raise FileNotFoundError(f"ann_file {ann_file} does not exist")
            with open(ann_file, encoding="utf-8") as f:
                self._coco_gt = _quiet_coco(json.load(f))

    # ------------------------------------------------------------------ process
    @staticmethod
    def _gt_anns(frame) -> list:
        """``[(x1y1x2y2 box, label, iscrowd)]`` of one frame from the samples."""
        anns = []
        gt = frame.instances("gt_instances")
        if gt is not None and "bboxes" in gt:
            boxes = as_array(gt["bboxes"], shape_tail=(4,))
            labels = as_array(gt["labels"], np.int64).reshape(-1)
            anns += [(b, int(c), 0) for b, c in zip(boxes, labels)]
            ignored = frame.instances("ignored_instances")
            if ignored is not None and "bboxes" in ignored:
                boxes = as_array(ignored["bboxes"], shape_tail=(4,))
                labels = as_array(ignored["labels"], np.int64).reshape(-1)
                anns += [(b, int(c), 1) for b, c in zip(boxes, labels)]
            return anns
        for ins in frame.meta("instances", None) or []:
            anns.append(
                (np.asarray(ins["bbox"], np.float64), int(ins["bbox_label"]),
                 int(ins.get("ignore_flag", 0)))
            )
        return anns

    def process(self, data_batch: dict, data_samples: Sequence) -> None:
        """Record the detections (and gt when there is no ``ann_file``) of each frame.

        Args:
            data_batch (dict): The batch (unused).
            data_samples (Sequence): TrackDataSamples / DetDataSamples or their
                dict forms.
        """
        for frame in iter_frames(data_samples):
            pred = frame.instances("pred_det_instances")
            if pred is None:
                pred = frame.instances("pred_instances")
            if pred is None:
                raise KeyError(
                    f"frame img_id={frame.meta('img_id', None)} has neither pred_det_instances "
                    "nor pred_instances"
                )
            img_id = frame.meta("img_id")
            h, w = frame.meta("ori_shape")[:2]
            record = dict(
                img_id=img_id,
                width=int(w),
                height=int(h),
                bboxes=as_array(pred["bboxes"], np.float32, shape_tail=(4,)),
                scores=as_array(pred["scores"], np.float32).reshape(-1),
                labels=as_array(pred["labels"], np.int64).reshape(-1),
                gt=None if self._coco_gt is not None else self._gt_anns(frame),
            )
            self.results.append(record)

    # ---------------------------------------------------------------- compute
    def _categories(self, coco_gt: Optional[COCO]) -> list:
        classes = (self.dataset_meta or {}).get("classes")
        if coco_gt is None:
            if classes is None:
                raise ValueError(
                    "CocoVideoMetric needs dataset_meta['classes'] when there is no ann_file"
                )
            return list(range(len(classes)))
        if classes is None:
            return sorted(coco_gt.getCatIds())
        by_name = {c["name"]: c["id"] for c in coco_gt.dataset.get("categories", [])}
        missing = [c for c in classes if c not in by_name]
        if missing:
            raise ValueError(f"classes {missing} are not categories of {self.ann_file}")
        return [by_name[c] for c in classes]

    def _gt_from_samples(self, records: list) -> COCO:
        classes = self.dataset_meta["classes"]
        images, anns = [], []
        for rec in records:
            images.append(dict(id=rec["img_id"], width=rec["width"], height=rec["height"],
                               file_name=""))
            for box, label, crowd in rec["gt"]:
                xywh = _xyxy_to_xywh(np.asarray(box))
                anns.append(
                    dict(
                        id=len(anns) + 1,
                        image_id=rec["img_id"],
                        bbox=xywh,
                        iscrowd=crowd,
                        category_id=label,
                        area=xywh[2] * xywh[3],
                    )
                )
        categories = [dict(id=i, name=name) for i, name in enumerate(classes)]
        return _quiet_coco(dict(images=images, annotations=anns, categories=categories))

    def _results_json(self, records: list, cat_ids: list) -> list:
        out = []
        for rec in records:
            for box, score, label in zip(rec["bboxes"], rec["scores"], rec["labels"]):
                if not 0 <= label < len(cat_ids):
                    raise ValueError(
                        f"img_id={rec['img_id']}: predicted label {label} is not a class index "
                        f"(0..{len(cat_ids) - 1})"
                    )
                out.append(
                    dict(
                        image_id=rec["img_id"],
                        bbox=_xyxy_to_xywh(box),
                        score=float(score),
                        category_id=cat_ids[label],
                    )
                )
        return out

    def compute_metrics(self, results: list) -> dict:
        """Run COCOeval on the collected frames.

        Args:
            results (list): Per-frame records.

        Returns:
            dict: See the class docstring; empty with ``format_only``.
        """
        records = list(OrderedDict((r["img_id"], r) for r in results).values())
        if not records:
            raise ValueError("CocoVideoMetric: no frame was processed")
        coco_gt = self._coco_gt if self._coco_gt is not None else self._gt_from_samples(records)
        cat_ids = self._categories(coco_gt)
        dets = self._results_json(records, cat_ids)
        if self.format_only:
            path = f"{self.outfile_prefix}.bbox.json"
            directory = osp.dirname(osp.abspath(path))
            os.makedirs(directory, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp_", suffix=".json")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(dets, f)
            os.replace(tmp, path)
            print_log(f"CocoVideoMetric: results written to {path}", logger="current")
            return {}
        img_ids = [r["img_id"] for r in records]
        unknown = sorted(set(img_ids) - set(coco_gt.getImgIds()))
        if unknown:
            raise ValueError(f"img_id {unknown[:5]} are not images of the ground truth")
        with contextlib.redirect_stdout(io.StringIO()):
            if dets:
                coco_dt = coco_gt.loadRes(dets)
            else:
                coco_dt = _quiet_coco(
                    dict(images=coco_gt.dataset["images"], annotations=[],
                         categories=coco_gt.dataset["categories"])
                )
        coco_eval = COCOeval(coco_gt, coco_dt, "bbox")
        coco_eval.params.catIds = cat_ids
        coco_eval.params.imgIds = img_ids
        coco_eval.params.maxDets = list(self.proposal_nums)
        coco_eval.params.iouThrs = self.iou_thrs
        log = io.StringIO()
        with contextlib.redirect_stdout(log):
            coco_eval.evaluate()
            coco_eval.accumulate()
            coco_eval.summarize()
        summary = [ln for ln in log.getvalue().splitlines() if ln.startswith(" Average")]
        print_log("\n" + "\n".join(summary), logger="current")
        out: dict = OrderedDict()
        if self.classwise:
            precisions = coco_eval.eval["precision"]  # (T, R, K, A, M)
            names = (self.dataset_meta or {}).get("classes") or [
                coco_gt.loadCats(c)[0]["name"] for c in cat_ids
            ]
            rows = []
            for k, name in enumerate(names):
                p = precisions[:, :, k, 0, -1]
                p = p[p > -1]
                ap = float(np.mean(p)) if p.size else float("nan")
                rows.append([name, ap])
                out[f"{name}_precision"] = round(ap, 3)
            print_log("\n" + format_table(["category", "AP"], rows), logger="current")
        for item in self.metric_items or ["mAP", "mAP_50", "mAP_75", "mAP_s", "mAP_m", "mAP_l"]:
            out[f"bbox_{item}"] = float(f"{round(coco_eval.stats[COCO_METRIC_NAMES[item]], 3)}")
        return dict(out)
