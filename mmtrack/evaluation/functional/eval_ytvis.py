"""Video-level mask AP of YouTube-VIS (the YouTube-VIS API's definition).

The YouTube-VIS API (``youtubevos/cocoapi``, ``ytvoseval.py``) is COCO's
evaluation with videos in place of images and instances that span frames:

* the IoU of a predicted and a gt instance is spatio-temporal:
  ``sum_t |P_t & G_t| / sum_t |P_t | G_t|`` over the frames of the video,
  where a frame in which only one of them exists adds its area to the union;
* the "area" of an instance (for the small/medium/large buckets) is the mean
  of its non-zero per-frame areas, with buckets ``[0, 128^2]``,
  ``[128^2, 256^2]``, ``[256^2, 1e10]``;
* matching (greedy by score, IoU thresholds 0.50:0.05:0.95, crowd/ignore
  rules), precision accumulation (101 recall points) and the 12 summary
  numbers are COCO's, with ``maxDets`` [1, 10, 100] per video.

The spatio-temporal IoU and the video/instance bookkeeping are written here;
matching, accumulation and summary reuse pycocotools' ``COCOeval`` (of which
``ytvoseval.py`` is a copy), so the AP is bit-for-bit the API's.
"""

from __future__ import annotations

import contextlib
import copy
import io
from typing import Optional, Sequence

import numpy as np
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

#: Area buckets of YouTube-VIS (not COCO's 32/96).
YTVIS_AREA_RANGES = [[0**2, 1e5**2], [0**2, 128**2], [128**2, 256**2], [256**2, 1e5**2]]
#: Names of ``YTVISEval.stats`` entries.
YTVIS_STAT_NAMES = (
    "mAP",
    "mAP_50",
    "mAP_75",
    "mAP_s",
    "mAP_m",
    "mAP_l",
    "AR@1",
    "AR@10",
    "AR@100",
    "AR_s@100",
    "AR_m@100",
    "AR_l@100",
)


def to_rle(segm, height: int, width: int) -> Optional[dict]:
    """Turn one frame's segmentation into a compressed RLE.

    Args:
        segm: ``None`` (instance absent), a compressed RLE dict (``counts``
            bytes or str), an uncompressed RLE dict (``counts`` list) or a
            polygon list.
        height (int): Frame height.
        width (int): Frame width.

    Returns:
        dict | None: ``{'size': [h, w], 'counts': bytes}`` or None.
    """
    if segm is None:
        return None
    if isinstance(segm, list):
        return mask_utils.merge(mask_utils.frPyObjects(segm, height, width))
    if isinstance(segm, dict) and isinstance(segm.get("counts"), list):
        return mask_utils.frPyObjects(segm, height, width)
    if isinstance(segm, dict) and "counts" in segm:
        counts = segm["counts"]
        if isinstance(counts, str):
            counts = counts.encode("ascii")
        return {"size": list(segm["size"]), "counts": counts}
    raise TypeError(f"unsupported segmentation of type {type(segm).__name__}")


def spatio_temporal_iou(dt_segms: Sequence, gt_segms: Sequence) -> float:
    """IoU of two instances over a video.

    Args:
        dt_segms (Sequence): Per frame, a compressed RLE or None.
        gt_segms (Sequence): Per frame, a compressed RLE or None.

    Returns:
        float: ``sum intersection / sum union`` over the frames (pairs taken
        up to the shorter list), 0.0 when the union is empty.
    """
    inter = 0.0
    union = 0.0
    for d, g in zip(dt_segms, gt_segms):
        if d and g:
            inter += float(mask_utils.area(mask_utils.merge([d, g], True)))
            union += float(mask_utils.area(mask_utils.merge([d, g], False)))
        elif g:
            union += float(mask_utils.area(g))
        elif d:
            union += float(mask_utils.area(d))
    return inter / union if union > 0.0 else 0.0


def _mean_nonzero_area(areas: Sequence) -> float:
    valid = [a for a in areas if a]
    return float(np.mean(valid)) if valid else 0.0


def _make_coco(videos: list, categories: list, anns: list) -> COCO:
    coco = COCO()
    coco.dataset = dict(images=videos, categories=categories, annotations=anns)
    with contextlib.redirect_stdout(io.StringIO()):
        coco.createIndex()
    return coco


class YTVISEval(COCOeval):
    """COCO evaluation of video instances with the spatio-temporal mask IoU.

    Args:
        gt (dict): YouTube-VIS ground truth: ``videos`` (``id``, ``height``,
            ``width``), ``categories`` (``id``, ``name``) and ``annotations``
            (``video_id``, ``category_id``, ``segmentations`` per frame,
            optional ``areas`` per frame, optional ``iscrowd``).
        results (list[dict]): Predictions: ``video_id``, ``category_id``,
            ``score`` and ``segmentations`` (per frame RLE or None).
    """

    def __init__(self, gt: dict, results: list) -> None:
        videos = [dict(v) for v in gt["videos"]]
        sizes = {v["id"]: (int(v["height"]), int(v["width"])) for v in videos}
        gt_anns = []
        for i, ann in enumerate(gt["annotations"]):
            if ann["video_id"] not in sizes:
                raise ValueError(f"gt instance {i} is in unknown video {ann['video_id']}")
            h, w = sizes[ann["video_id"]]
            segms = [to_rle(s, h, w) for s in ann["segmentations"]]
            areas = ann.get("areas")
            if areas is None:
                areas = [float(mask_utils.area(s)) if s else None for s in segms]
            gt_anns.append(
                dict(
                    id=i + 1,
                    image_id=ann["video_id"],
                    category_id=ann["category_id"],
                    segmentations=segms,
                    area=_mean_nonzero_area(areas),
                    iscrowd=int(bool(ann.get("iscrowd", 0))),
                )
            )
        dt_anns = []
        for i, res in enumerate(results):
            if res["video_id"] not in sizes:
                raise ValueError(
                    f"result {i} is for video {res['video_id']}, which has no ground truth"
                )
            h, w = sizes[res["video_id"]]
            segms = [to_rle(s, h, w) for s in res["segmentations"]]
            areas = [float(mask_utils.area(s)) if s else None for s in segms]
            dt_anns.append(
                dict(
                    id=i + 1,
                    image_id=res["video_id"],
                    category_id=res["category_id"],
                    segmentations=segms,
                    area=_mean_nonzero_area(areas),
                    iscrowd=0,
                    score=float(res["score"]),
                )
            )
        categories = copy.deepcopy(gt["categories"])
        coco_gt = _make_coco(videos, categories, gt_anns)
        coco_dt = _make_coco(videos, categories, dt_anns)
        super().__init__(coco_gt, coco_dt, iouType="bbox")
        self.params.areaRng = copy.deepcopy(YTVIS_AREA_RANGES)
        self.params.areaRngLbl = ["all", "small", "medium", "large"]

    def computeIoU(self, imgId: int, catId: int):  # noqa: N802 (pycocotools API)
        """Spatio-temporal IoU of the detections and gts of one video/category.

        Args:
            imgId (int): Video id.
            catId (int): Category id.

        Returns:
            np.ndarray | list: ``(D, G)`` IoUs (detections sorted by score,
            at most ``maxDets[-1]``), or ``[]`` when both sets are empty.
        """
        p = self.params
        if p.useCats:
            gt = self._gts[imgId, catId]
            dt = self._dts[imgId, catId]
        else:
            gt = [g for c in p.catIds for g in self._gts[imgId, c]]
            dt = [d for c in p.catIds for d in self._dts[imgId, c]]
        if len(gt) == 0 and len(dt) == 0:
            return []
        order = np.argsort([-d["score"] for d in dt], kind="mergesort")
        dt = [dt[i] for i in order][: p.maxDets[-1]]
        ious = np.zeros((len(dt), len(gt)))
        for i, j in np.ndindex(ious.shape):
            ious[i, j] = spatio_temporal_iou(dt[i]["segmentations"], gt[j]["segmentations"])
        return ious

    def run(self) -> dict:
        """Evaluate, accumulate and summarise.

        Returns:
            dict: ``{name: value}`` for :data:`YTVIS_STAT_NAMES` (fractions; -1
            where a bucket has no gt) and ``'summary'``, the printed table.
        """
        log = io.StringIO()
        with contextlib.redirect_stdout(log):
            self.evaluate()
            self.accumulate()
            self.summarize()
        out = {name: float(v) for name, v in zip(YTVIS_STAT_NAMES, self.stats)}
        summary = "\n".join(
            line for line in log.getvalue().splitlines() if line.startswith(" Average")
        )
        out["summary"] = summary
        return out


def eval_ytvis(gt: dict, results: list) -> dict:
    """YouTube-VIS video mask AP.

    Args:
        gt (dict): See :class:`YTVISEval`.
        results (list[dict]): See :class:`YTVISEval`.

    Returns:
        dict: See :meth:`YTVISEval.run`.
    """
    if not gt.get("annotations"):
        raise ValueError("no ground-truth instance to evaluate against")
    return YTVISEval(gt, results).run()
