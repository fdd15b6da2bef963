"""YouTube-VIS video instance segmentation AP and result packing."""

from __future__ import annotations

import json
import os
import os.path as osp
import tempfile
import zipfile
from collections import OrderedDict
from typing import Any, Optional, Sequence, Union

import numpy as np
from mmengine.logging import print_log
from pycocotools import mask as mask_utils

from mmtrack.registry import METRICS

from ..functional.eval_ytvis import YTVIS_STAT_NAMES, eval_ytvis, to_rle
from .base_video_metric import BaseVideoMetric
from .frame_sample import as_array, iter_frames, to_numpy


def encode_masks(masks: Any, height: int, width: int) -> list:
    """Per-instance segmentations of one frame, as compressed RLE or polygons.

    Args:
        masks: ``(N, H, W)`` bool/uint8 tensor or array, an object with a
            ``masks`` attribute (bitmap array, or per-instance polygon lists),
            or a list of RLE dicts / polygon lists.
        height (int): Frame height (for polygons).
        width (int): Frame width.

    Returns:
        list: One compressed RLE dict (``counts`` bytes) or polygon list per
        instance.
    """
    if hasattr(masks, "masks") and not isinstance(masks, (np.ndarray, dict)):
        masks = masks.masks
    if isinstance(masks, list):
        out = []
        for m in masks:
            if isinstance(m, dict):
                out.append(m)
            elif isinstance(m, (list, tuple)):  # polygons of one instance
                out.append([np.asarray(p, dtype=np.float64).reshape(-1).tolist() for p in m])
            else:
                out.append(mask_utils.encode(np.asfortranarray(np.asarray(m, dtype=np.uint8))))
        return out
    arr = np.asarray(to_numpy(masks))
    if arr.size == 0:
        return []
    if arr.ndim != 3:
        raise ValueError(f"masks must be (N, H, W), got shape {arr.shape}")
    rles = mask_utils.encode(np.asfortranarray(arr.astype(np.uint8).transpose(1, 2, 0)))
    return list(rles)


def _atomic_write(path: str, write: Any) -> None:
    """Call ``write(tmp_path)`` then move the file to ``path``."""
    directory = osp.dirname(osp.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp_")
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise


@METRICS.register_module()
class YouTubeVISMetric(BaseVideoMetric):
    """Video-level mask AP of YouTube-VIS (spatio-temporal mask IoU).

    Each processed frame contributes ``pred_track_instances`` (``masks``
    ``(N, H, W)`` at the original resolution, ``scores``, ``labels``
    0-based, ``instances_id``) and metainfo ``video_id``, ``frame_id``,
    ``video_length``, ``ori_shape``; ground truth is ``gt_instances``
    (``masks``, ``labels``, ``instances_id``; ``ignored_instances`` count as
    crowd) or the metainfo ``instances`` (``mask``, ``bbox_label``,
    ``instance_id``, ``ignore_flag``, optional ``area``).

    Per video, predictions with the same ``instances_id`` form one instance:
    its score is the mean of its frame scores and its category the most
    frequent label (MMTracking's rule). Ground-truth instances are built
    likewise; a frame's area is the annotation's ``area`` when given (the
    official per-frame areas), else the mask area. The AP is computed by
    :func:`~mmtrack.evaluation.functional.eval_ytvis`.

    Args:
        metric (str | Sequence[str]): Only ``'youtube_vis_ap'``.
        metric_items (Sequence[str], optional): Names among ``mAP``,
            ``mAP_50``, ``mAP_75``, ``mAP_s``, ``mAP_m``, ``mAP_l``, ``AR@1``,
            ``AR@10``, ``AR@100``, ``AR_s@100``, ``AR_m@100``, ``AR_l@100``
            (default the six mAPs).
        outfile_prefix (str, optional): With ``format_only``, results go to
            ``<outfile_prefix>.json`` and ``<outfile_prefix>.submission_file.zip``
            (``results.json`` inside, what the server takes).
        format_only (bool): Only write the results.
        collect_device (str): ``'cpu'`` or ``'gpu'``.
        prefix (str, optional): Key prefix, default ``'youtube_vis'``.

    Returns (``compute_metrics``):
        dict: ``segm_mAP``, ``segm_mAP_50``, ... (fractions, 3 decimals; -1
        for a size bucket without gt).
    """

    default_prefix: Optional[str] = "youtube_vis"

    def __init__(
        self,
        metric: Union[str, Sequence[str]] = "youtube_vis_ap",
        metric_items: Optional[Sequence[str]] = None,
        outfile_prefix: Optional[str] = None,
        format_only: bool = False,
        collect_device: str = "cpu",
        prefix: Optional[str] = None,
    ) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        metrics = [metric] if isinstance(metric, str) else list(metric)
        if metrics != ["youtube_vis_ap"]:
            raise KeyError(f"metric must be 'youtube_vis_ap', got {metrics}")
        for item in metric_items or []:
            if item not in YTVIS_STAT_NAMES:
                raise KeyError(f"metric item {item!r} is not in {list(YTVIS_STAT_NAMES)}")
        if format_only and outfile_prefix is None:
            raise ValueError("format_only=True needs outfile_prefix")
        self.metric_items = list(metric_items or YTVIS_STAT_NAMES[:6])
        self.outfile_prefix = outfile_prefix
        self.format_only = format_only

    # ------------------------------------------------------------------ process
    @staticmethod
    def _gt(frame, h: int, w: int) -> Optional[list]:
        """``[(instance_id, label, segm, area or None, iscrowd)]`` of one frame."""
        out = []
        gt = frame.instances("gt_instances")
        if gt is not None and "instances_id" in gt:
            for name, crowd in (("gt_instances", 0), ("ignored_instances", 1)):
                inst = gt if name == "gt_instances" else frame.instances(name)
                if inst is None or "instances_id" not in inst:
                    continue
                ids = as_array(inst["instances_id"], np.int64).reshape(-1)
                labels = as_array(inst["labels"], np.int64).reshape(-1)
                segms = encode_masks(inst["masks"], h, w) if len(ids) else []
                out += [
                    (int(i), int(c), to_rle(s, h, w), None, crowd)
                    for i, c, s in zip(ids, labels, segms)
                ]
            return out
        instances = frame.meta("instances", None)
        if instances is None:
            return None
        for ins in instances:
            out.append(
                (
                    int(ins["instance_id"]),
                    int(ins["bbox_label"]),
                    to_rle(ins.get("mask"), h, w),
                    ins.get("area"),
                    int(ins.get("ignore_flag", 0)),
                )
            )
        return out

    def process(self, data_batch: dict, data_samples: Sequence) -> None:
        """Record each frame's predicted and gt masks as RLE.

        Args:
            data_batch (dict): The batch (unused).
            data_samples (Sequence): TrackDataSamples / DetDataSamples or their
                dict forms.
        """
        for frame in iter_frames(data_samples):
            h, w = (int(v) for v in frame.meta("ori_shape")[:2])
            pred = frame.instances("pred_track_instances")
            if pred is None or "masks" not in pred:
                raise KeyError(
                    f"frame {frame.meta('frame_id', None)} of video "
                    f"{frame.meta('video_id', None)} has no pred_track_instances.masks"
                )
            ids = as_array(pred["instances_id"], np.int64).reshape(-1)
            self.results.append(
                dict(
                    video_id=frame.meta("video_id"),
                    frame_id=int(frame.meta("frame_id")),
                    video_length=int(frame.meta("video_length")),
                    height=h,
                    width=w,
                    ids=ids,
                    scores=as_array(pred["scores"]).reshape(-1),
                    labels=as_array(pred["labels"], np.int64).reshape(-1),
                    segms=[to_rle(m, h, w) for m in encode_masks(pred["masks"], h, w)]
                    if len(ids)
                    else [],
                    gt=self._gt(frame, h, w),
                )
            )

    # ---------------------------------------------------------------- compute
    @staticmethod
    def _group(results: list) -> OrderedDict:
        videos: OrderedDict = OrderedDict()
        for rec in results:
            videos.setdefault(rec["video_id"], {}).setdefault(rec["frame_id"], rec)
        return OrderedDict((v, [f[k] for k in sorted(f)]) for v, f in videos.items())

    @staticmethod
    def _video_preds(video_id: Any, recs: list, length: int) -> list:
        data: OrderedDict = OrderedDict()
        for rec in recs:
            fields = zip(rec["ids"], rec["scores"], rec["labels"], rec["segms"])
            for i, score, label, segm in fields:
                d = data.setdefault(int(i), dict(scores=[], labels=[], segms={}))
                d["scores"].append(float(score))
                d["labels"].append(int(label))
                d["segms"][rec["frame_id"]] = segm
        out = []
        for d in data.values():
            out.append(
                dict(
                    video_id=video_id,
                    score=float(np.mean(d["scores"])),
                    category_id=int(np.bincount(np.array(d["labels"])).argmax()) + 1,
                    segmentations=[d["segms"].get(t) for t in range(length)],
                )
            )
        return out

    @staticmethod
    def _video_gts(video_id: Any, recs: list, length: int) -> list:
        data: OrderedDict = OrderedDict()
        for rec in recs:
            for inst_id, label, segm, area, crowd in rec["gt"] or []:
                d = data.setdefault(inst_id, dict(label=label, crowd=crowd, segms={}, areas={}))
                d["segms"][rec["frame_id"]] = segm
                d["areas"][rec["frame_id"]] = area
        out = []
        for d in data.values():
            segms = [d["segms"].get(t) for t in range(length)]
            areas = []
            for t, s in enumerate(segms):
                area = d["areas"].get(t)
                if area is None and s is not None:
                    area = float(mask_utils.area(s))
                areas.append(area)
            out.append(
                dict(
                    video_id=video_id,
                    category_id=d["label"] + 1,
                    segmentations=segms,
                    areas=areas,
                    iscrowd=d["crowd"],
                )
            )
        return out

    def compute_metrics(self, results: list) -> dict:
        """Build video-level instances and compute the AP (or write results).

        Args:
            results (list): Per-frame records from all ranks.

        Returns:
            dict: See the class docstring; empty with ``format_only``.
        """
        videos = self._group(results)
        if not videos:
            raise ValueError("YouTubeVISMetric: no frame was processed")
        preds, gt_anns, video_infos = [], [], []
        max_label = -1
        for video_id, recs in videos.items():
            length = recs[0]["video_length"]
            video_infos.append(
                dict(id=video_id, height=recs[0]["height"], width=recs[0]["width"], length=length)
            )
            preds += self._video_preds(video_id, recs, length)
            gt_anns += self._video_gts(video_id, recs, length)
            for rec in recs:
                labels = list(rec["labels"]) + [g[1] for g in rec["gt"] or []]
                max_label = max([max_label] + [int(v) for v in labels])
        if self.format_only:
            self._save(preds)
            return {}
        classes = (self.dataset_meta or {}).get("classes")
        if classes is None:
            classes = [str(i) for i in range(max_label + 1)]
        categories = [dict(id=i + 1, name=name) for i, name in enumerate(classes)]
        gt = dict(videos=video_infos, categories=categories, annotations=gt_anns)
        res = eval_ytvis(gt, preds)
        print_log("\n" + res["summary"], logger="current")
        return {f"segm_{k}": float(f"{res[k]:.3f}") for k in self.metric_items}

    def _save(self, preds: list) -> None:
        def jsonable(segm):
            if isinstance(segm, dict) and isinstance(segm.get("counts"), bytes):
                return dict(size=list(segm["size"]), counts=segm["counts"].decode("ascii"))
            return segm

        out = [dict(p, segmentations=[jsonable(s) for s in p["segmentations"]]) for p in preds]
        for p in out:
            p["video_id"] = int(p["video_id"])
        text = json.dumps(out)
        json_path = f"{self.outfile_prefix}.json"
        zip_path = f"{self.outfile_prefix}.submission_file.zip"

        def write_json(path: str) -> None:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)

        _atomic_write(json_path, write_json)

        def write_zip(path: str) -> None:
            with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
                zf.writestr("results.json", text)

        _atomic_write(zip_path, write_zip)
        print_log(
            f"YouTubeVISMetric: {len(out)} instances written to {json_path} and {zip_path} "
            "(submit the zip)",
            logger="current",
        )

