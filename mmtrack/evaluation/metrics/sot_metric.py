"""Single object tracking metrics: OPE, GOT-10k AO/SR, VOT EAO; server packing."""

from __future__ import annotations

import os
import os.path as osp
import tempfile
import zipfile
from collections import OrderedDict
from typing import Optional, Sequence, Union

import numpy as np
from mmengine.logging import print_log

from mmtrack.registry import METRICS

from ..functional.eval_sot_got10k import eval_got10k
from ..functional.eval_sot_ope import eval_sot_ope
from ..functional.eval_sot_vot import VOT_INTERVALS, eval_sot_accuracy_robustness, eval_sot_eao
from ..functional.table import format_table
from .base_video_metric import BaseVideoMetric
from .frame_sample import iter_frames, to_numpy

#: ``dataset_type`` values whose evaluation server takes a zip of result files.
SERVER_FORMATS = ("got10k", "trackingnet")


def check_outfile_prefix(outfile_prefix: str) -> str:
    """Validate where the server zip ``<outfile_prefix>.zip`` goes, before testing starts.

    A trailing path separator (0.x's ``resfile_path=results/``) and a
    trailing ``.zip`` are dropped, so ``results``, ``results/`` and
    ``results.zip`` all give ``results.zip``.

    Args:
        outfile_prefix: the path prefix of the zip.

    Returns:
        The normalised prefix (no ``.zip``).

    Raises:
        ValueError: the prefix is not a non-empty string, a folder above it
            is an existing file, or the zip's path is an existing folder.
    """
    if not isinstance(outfile_prefix, str) or not outfile_prefix.strip():
        raise ValueError(
            f"SOTMetric: outfile_prefix must be a non-empty path prefix, got {outfile_prefix!r}"
        )
    prefix = outfile_prefix.rstrip("/" + os.sep)
    if prefix.endswith(".zip"):
        prefix = prefix[: -len(".zip")]
    if not prefix or prefix.endswith(("/", os.sep)) or osp.basename(prefix) in ("", ".", ".."):
        raise ValueError(
            f"SOTMetric: outfile_prefix={outfile_prefix!r} names no file (give e.g. results/got10k "
            "for results/got10k.zip)"
        )
    parent = osp.dirname(osp.abspath(prefix))
    while not osp.exists(parent) and osp.dirname(parent) != parent:
        parent = osp.dirname(parent)
    if not osp.isdir(parent):
        raise ValueError(
            f"SOTMetric: outfile_prefix={outfile_prefix!r}: {parent} is a file, not a folder"
        )
    if osp.isdir(f"{prefix}.zip"):
        raise ValueError(
            f"SOTMetric: outfile_prefix={outfile_prefix!r}: {prefix}.zip is an existing folder"
        )
    return prefix


@METRICS.register_module()
class SOTMetric(BaseVideoMetric):
    """SOT evaluation: OPE (LaSOT, UAV123, OTB100, TrackingNet style), GOT-10k
    AO/SR and the VOT reset-based protocol.

    Each processed frame contributes ``pred_track_instances.bboxes`` ``(1, 4)``
    (x1y1x2y2; in VOT mode ``(1, 1)`` special states ``[1]`` init, ``[2]``
    failure, ``[0]`` skipped), the gt box ``gt_instances.bboxes`` ``(1, 4)``
    (x1y1x2y2) or ``(1, 8)`` (VOT polygon) -- or else the metainfo
    ``instances[0]['bbox']`` --, the visibility ``gt_instances.visible`` (or
    metainfo ``visible`` / ``instances[0]['visible']``; True when absent) and
    metainfo ``frame_id``, ``video_length``, ``video_id``, ``img_path`` and
    ``ori_shape`` (the image bounds that AO and VOT overlaps clip to; without
    it nothing is clipped).

    Metrics (``metric``):

    * ``'OPE'``: ``success`` (AUC over IoU thresholds 0:0.05:1),
      ``precision`` (20 px) and ``norm_precision`` (0.2), in percent and
      rounded to 3 decimals, as MMTracking 0.14
      (:func:`~mmtrack.evaluation.functional.eval_sot_ope`). With
      ``only_eval_visible`` invisible frames count as failures.
    * ``'AO'``: GOT-10k ``AO``, ``SR0.5``, ``SR0.75`` as its toolkit: frame 0
      skipped, visible frames only, pooled over all frames, boxes clipped to
      the image (percent, 3 decimals).
    * ``'VOT'``: ``eao`` over the ``interval`` of ``dataset_type``
      (vot2018: [100, 356]), ``accuracy`` (burn-in 10), ``robustness`` and
      ``num_fails`` (4 decimals, as 0.14).

    Args:
        metric (str | Sequence[str]): Subset of ``'OPE'``, ``'AO'``, ``'VOT'``
            ('VOT' cannot be combined with the others: its predictions are
            states, not boxes).
        metric_options (dict): ``dataset_type`` ('vot2018', 'vot2019',
            'vot2020', 'vot2021', 'got10k', 'trackingnet', 'lasot', ...),
            ``only_eval_visible`` (False), ``interval`` (overrides the VOT
            one), ``burnin`` (10).
        format_only (bool): Only pack the results for the test server, as
            MMTracking 0.14's ``GOT10kDataset`` / ``TrackingNetDataset``
            ``format_results``: ``<outfile_prefix>.zip`` with ``<video>.txt``
            files (TrackingNet) or ``<video>/<video>_001.txt`` +
            ``<video>/<video>_time.txt`` (GOT-10k; every time ``0.0001``);
            one line per frame, ``x,y,w,h`` with 4 decimals (frame 0: the
            init box). Needs ``metric_options['dataset_type']`` in
            :data:`SERVER_FORMATS`.
        outfile_prefix (str, optional): Path prefix of the zip (required with
            ``format_only``; 0.x's ``resfile_path``), see
            :func:`check_outfile_prefix`.
        collect_device (str): ``'cpu'`` or ``'gpu'``.
        prefix (str, optional): Key prefix, default ``'sot'``.
    """

    default_prefix: Optional[str] = "sot"
    allowed_metrics = ("OPE", "AO", "VOT")
    allowed_metric_options = ("dataset_type", "only_eval_visible", "interval", "burnin")

    def __init__(
        self,
        metric: Union[str, Sequence[str]] = "OPE",
        metric_options: Optional[dict] = None,
        format_only: bool = False,
        outfile_prefix: Optional[str] = None,
        collect_device: str = "cpu",
        prefix: Optional[str] = None,
    ) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.metrics = [metric] if isinstance(metric, str) else list(metric)
        for m in self.metrics:
            if m not in self.allowed_metrics:
                raise KeyError(f"metric must be in {self.allowed_metrics}, got {m!r}")
        if "VOT" in self.metrics and len(self.metrics) > 1:
            raise ValueError(
                "'VOT' cannot be evaluated together with other metrics: its predictions are "
                "reset-protocol states, not free-running boxes"
            )
        self.metric_options = dict(dataset_type="vot2018", only_eval_visible=False)
        self.metric_options.update(metric_options or {})
        for key in self.metric_options:
            if key not in self.allowed_metric_options:
                raise KeyError(
                    f"metric option must be in {self.allowed_metric_options}, got {key!r}"
                )
        if format_only:
            if outfile_prefix is None:
                raise ValueError("format_only=True needs outfile_prefix (where the zip goes)")
            if self.metric_options["dataset_type"] not in SERVER_FORMATS:
                given = "dataset_type" in (metric_options or {})
                raise ValueError(
                    f"format_only packs results for the {' or '.join(map(repr, SERVER_FORMATS))} "
                    f"server; got metric_options dataset_type="
                    f"{self.metric_options['dataset_type']!r}"
                    + ("" if given else " (the default: set metric_options=dict(dataset_type="
                       "'got10k') or 'trackingnet' for a test set with a server)")
                )
            outfile_prefix = check_outfile_prefix(outfile_prefix)
        self.format_only = format_only
        self.outfile_prefix = outfile_prefix

    # ------------------------------------------------------------------ process
    @staticmethod
    def _first_row(value) -> Optional[np.ndarray]:
        if value is None:
            return None
        arr = np.asarray(to_numpy(value))
        if arr.ndim == 2:
            if len(arr) == 0:
                return None
            arr = arr[0]
        return arr.reshape(-1)

    def process(self, data_batch: dict, data_samples: Sequence) -> None:
        """Record the prediction, gt box and visibility of each frame.

        Args:
            data_batch (dict): The batch (unused).
            data_samples (Sequence): TrackDataSamples / DetDataSamples or their
                dict forms.
        """
        for frame in iter_frames(data_samples):
            frame_id = int(frame.meta("frame_id"))
            video_length = int(frame.meta("video_length"))
            video_id = frame.meta("video_id", None)
            img_path = frame.meta("img_path", None)
            if img_path:
                parts = osp.normpath(img_path).split(os.sep)
                name = parts[-3] if len(parts) >= 3 and parts[-2] in ("img", "color") else parts[-2]
            else:
                name = f"video_{video_id}"
            ori_shape = frame.meta("ori_shape", None)
            pred = frame.instances("pred_track_instances")
            if pred is None or "bboxes" not in pred:
                raise KeyError(f"frame {frame_id} of {name} has no pred_track_instances.bboxes")
            pred_box = self._first_row(pred["bboxes"])
            if pred_box is None:
                raise ValueError(f"frame {frame_id} of {name}: empty pred_track_instances.bboxes")
            gt = frame.instances("gt_instances")
            instances = frame.meta("instances", None)
            gt_box = None
            if gt and gt.get("polygons") is not None:
                # VOT: the 8-value polygon (packed beside its axis-aligned box) is the gt.
                gt_box = self._first_row(gt.get("polygons"))
            if gt_box is None and gt:
                gt_box = self._first_row(gt.get("bboxes"))
            visible = gt.get("visible") if gt else None
            if gt_box is None and instances:
                gt_box = self._first_row(np.asarray(instances[0]["bbox"], dtype=np.float32)[None])
            if visible is None:
                visible = frame.meta("visible", None)
            if visible is None and instances:
                visible = instances[0].get("visible")
            visible = True if visible is None else bool(np.asarray(visible).reshape(-1)[0])
            self.results.append(
                dict(
                    key=video_id if video_id is not None else name,
                    name=name,
                    frame_id=frame_id,
                    video_length=video_length,
                    wh=None if ori_shape is None else (int(ori_shape[1]), int(ori_shape[0])),
                    pred=pred_box.astype(np.float32),
                    gt=None if gt_box is None else gt_box.astype(np.float32),
                    visible=visible,
                )
            )

    # ---------------------------------------------------------------- compute
    @staticmethod
    def _group(results: list) -> list:
        videos: OrderedDict = OrderedDict()
        for rec in results:
            videos.setdefault(rec["key"], {}).setdefault(rec["frame_id"], rec)
        out = []
        for frames in videos.values():
            recs = [frames[k] for k in sorted(frames)]
            length = recs[0]["video_length"]
            if len(recs) != length or recs[-1]["frame_id"] != length - 1:
                raise ValueError(
                    f"video {recs[0]['name']}: {len(recs)} frames processed, video_length is "
                    f"{length}; SOT metrics need every frame"
                )
            out.append(recs)
        return out

    def compute_metrics(self, results: list) -> dict:
        """Evaluate (or pack) the per-video trajectories.

        Args:
            results (list): Per-frame records from all ranks.

        Returns:
            dict: The metrics (see the class docstring); empty with
            ``format_only``.
        """
        videos = self._group(results)
        if not videos:
            raise ValueError("SOTMetric: no frame was processed")
        names = [v[0]["name"] for v in videos]
        if self.format_only:
            self._save_formatted(videos)
            return {}
        for recs in videos:
            if any(r["gt"] is None for r in recs):
                raise ValueError(
                    f"video {recs[0]['name']} has frames without a gt box; use format_only=True "
                    "for a test split"
                )
        preds = [[r["pred"] for r in recs] for recs in videos]
        gts = [np.stack([r["gt"] for r in recs]) for recs in videos]
        visible = [np.array([r["visible"] for r in recs], dtype=bool) for recs in videos]
        videos_wh = [recs[0]["wh"] for recs in videos]
        if any(wh is None for wh in videos_wh):
            videos_wh = None
        out: dict = OrderedDict()
        for metric in self.metrics:
            if metric in ("OPE", "AO"):
                boxes = [self._stack_boxes(p, n) for p, n in zip(preds, names)]
                gt_boxes = [self._check_gt_boxes(g, n) for g, n in zip(gts, names)]
            if metric == "OPE":
                res = eval_sot_ope(
                    boxes,
                    gt_boxes,
                    visible if self.metric_options.get("only_eval_visible") else None,
                )
                for k in ("success", "norm_precision", "precision"):
                    out[k] = round(res[k], 3)
            elif metric == "AO":
                res = eval_got10k(boxes, gt_boxes, visible, videos_wh)
                for k in ("AO", "SR0.5", "SR0.75"):
                    out[k] = round(res[k], 3)
            else:
                interval = self.metric_options.get("interval")
                if interval is None:
                    dataset_type = self.metric_options["dataset_type"]
                    if dataset_type not in VOT_INTERVALS:
                        raise KeyError(
                            f"no EAO interval known for dataset_type={dataset_type!r}; "
                            "give metric_options['interval']"
                        )
                    interval = VOT_INTERVALS[dataset_type]
                gt_regions = [list(g) for g in gts]
                res = eval_sot_eao(preds, gt_regions, interval=interval, videos_wh=videos_wh)
                res.update(
                    eval_sot_accuracy_robustness(
                        preds,
                        gt_regions,
                        burnin=self.metric_options.get("burnin", 10),
                        videos_wh=videos_wh,
                    )
                )
                for k in ("eao", "accuracy", "robustness"):
                    out[k] = round(float(res[k]), 4)
                out["num_fails"] = int(res["num_fails"])
        rows = [[k, v] for k, v in out.items()]
        print_log(
            "\n" + format_table(["metric", "value"], rows, title=f"SOT ({len(videos)} videos)"),
            logger="current",
        )
        return dict(out)

    @staticmethod
    def _stack_boxes(preds: list, name: str) -> np.ndarray:
        bad = [i for i, p in enumerate(preds) if p.size != 4]
        if bad:
            raise ValueError(
                f"video {name}, frame {bad[0]}: OPE/AO need a (1, 4) predicted box, got "
                f"{preds[bad[0]].size} values (a VOT state?)"
            )
        return np.stack(preds)

    @staticmethod
    def _check_gt_boxes(gts: np.ndarray, name: str) -> np.ndarray:
        if gts.shape[1] != 4:
            raise ValueError(
                f"video {name}: OPE/AO need x1y1x2y2 gt boxes, got {gts.shape[1]} values per frame"
            )
        return gts

    def _save_formatted(self, videos: list) -> None:
        dataset_type = self.metric_options["dataset_type"]
        zip_path = f"{self.outfile_prefix}.zip"
        directory = osp.dirname(osp.abspath(zip_path))
        os.makedirs(directory, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp_", suffix=".zip")
        os.close(fd)
        try:
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
                packed: dict = {}
                for recs in videos:
                    name = recs[0]["name"]
                    if name in packed:
                        raise ValueError(
                            f"SOTMetric: videos {packed[name]!r} and {recs[0]['key']!r} are both "
                            f"named {name!r}; their {dataset_type} result files would collide"
                        )
                    packed[name] = recs[0]["key"]
                    lines = []
                    for r in recs:
                        box = r["pred"]
                        if box.size != 4:
                            raise ValueError(f"video {name}: cannot pack a non-box prediction")
                        w, h = box[2] - box[0], box[3] - box[1]  # float32, as MMTracking
                        lines.append(f"{box[0]:.4f},{box[1]:.4f},{w:.4f},{h:.4f}\n")
                    if dataset_type == "trackingnet":
                        zf.writestr(f"{name}.txt", "".join(lines))
                    else:
                        zf.writestr(f"{name}/{name}_001.txt", "".join(lines))
                        zf.writestr(f"{name}/{name}_time.txt", "0.0001\n" * len(lines))
            os.replace(tmp, zip_path)
        except BaseException:
            if osp.exists(tmp):
                os.remove(tmp)
            raise
        print_log(f"SOTMetric: {len(videos)} videos packed into {zip_path}", logger="current")
