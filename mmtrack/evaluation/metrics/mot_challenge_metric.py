"""MOTChallenge evaluation (HOTA, CLEAR, Identity) through TrackEval."""

from __future__ import annotations

import os
import os.path as osp
import tempfile
from collections import OrderedDict
from typing import Optional, Sequence, Union

import numpy as np
from mmengine.logging import print_log

from mmtrack.registry import METRICS, TASK_UTILS

from ..functional.interpolate_tracks import interpolate_tracks
from ..functional.mot_io import (
    MOT_CLASS_IDS,
    MOTFileError,
    read_mot_txt,
    read_seqinfo,
    write_mot_results,
)
from ..functional.mot_trackeval import MOT_BENCHMARKS, MOT_METRICS, evaluate_mot
from ..functional.table import format_table
from .base_video_metric import BaseVideoMetric
from .frame_sample import as_array, iter_frames

_INTERPOLATE_KEYS = ("min_num_frames", "max_num_frames", "use_gsi", "smooth_tau")
_TABLE_KEYS = (
    "HOTA",
    "DetA",
    "AssA",
    "LocA",
    "MOTA",
    "MOTP",
    "IDF1",
    "IDP",
    "IDR",
    "IDSw",
    "FP",
    "FN",
    "MT",
    "ML",
    "Frag",
)


@METRICS.register_module(name=["MOTChallengeMetric", "MOTChallengeMetrics"])
class MOTChallengeMetric(BaseVideoMetric):
    """HOTA, CLEAR and Identity metrics of the MOTChallenge benchmarks.

    Each processed frame contributes its ``pred_track_instances`` (``bboxes``
    ``(N, 4)`` x1y1x2y2 in original-image pixels, ``instances_id`` ``(N,)``,
    ``scores`` ``(N,)``) and metainfo ``frame_id`` (0-based),
    ``video_length``, ``img_path`` (the sequence name is the folder two levels
    above the image, ``<root>/<seq>/img1/000001.jpg``) and optionally
    ``mot_frame_id`` (the frame number in the MOTChallenge files).

    When all frames of a video are in, its tracks are (optionally)
    post-processed, written in MOTChallenge format (``frame, id, left, top,
    width, height, score, -1, -1, -1``, 3 decimals: what the test server
    takes) to ``<outfile_prefix>/<seq>.txt``, read back, and evaluated with
    TrackEval (:func:`~mmtrack.evaluation.functional.evaluate_mot`).

    Ground truth (``gt_source``):

    * ``'files'`` (MMTracking 0.14): the benchmark's own file
      ``<seq dir>/<gt_file>`` with ``seqinfo.ini`` beside it, where the
      sequence dir is ``gt_root/<seq>`` or, without ``gt_root``, the folder
      two levels above ``img_path``. This keeps the distractor classes and
      zero-marked boxes, so the numbers are the official toolkit's. Frames are
      numbered by ``mot_frame_id`` when the samples carry it (half splits).
    * ``'samples'`` (MMTracking 1.x): the boxes in the samples, written to
      a temporary MOTChallenge gt file: ``gt_instances`` (``bboxes``,
      ``instances_id`` and optionally ``mot_conf``, ``mot_class_id``,
      ``visibility``) or else the metainfo ``instances`` (dicts with
      ``bbox``, ``instance_id`` and optionally ``mot_conf``,
      ``mot_class_id``/``category_id``, ``visibility``). Converted CocoVID
      files usually lack the distractor boxes, so numbers can differ a little
      from the official ones.
    * ``'auto'`` (default): per sequence, the file when it exists, else the
      samples.

    Args:
        metric (str | Sequence[str]): Subset of ``'HOTA'``, ``'CLEAR'``,
            ``'Identity'``.
        outfile_prefix (str, optional): Folder for the result txt files; a
            temporary one (removed after evaluation) when None. Required with
            ``format_only``.
        track_iou_thr (float): IoU threshold of CLEAR and Identity matching.
        benchmark (str): ``'MOT15'``, ``'MOT16'``, ``'MOT17'``, ``'MOT20'`` or
            ``'DanceTrack'`` (preprocessing rules; MOT15 has none).
        format_only (bool): Only write the result files (test split).
        interpolate_tracks_cfg (dict, optional): Post-processing, keys
            ``min_num_frames`` (5), ``max_num_frames`` (20), ``use_gsi``
            (False), ``smooth_tau`` (10): see
            :func:`~mmtrack.evaluation.functional.interpolate_tracks`.
        postprocess_tracklet_cfg (list[dict], optional): MMTracking 1.x form
            of post-processing: ``dict(type='InterpolateTracklets', ...)``
            runs :func:`interpolate_tracks`; other types are built from
            ``TASK_UTILS`` and called as ``obj.forward(tracks)`` on ``(N, 7)``
            rows ``(frame, id, x1, y1, x2, y2, score)`` (frames 1-based).
        gt_source (str): ``'auto'``, ``'files'`` or ``'samples'``.
        gt_root (str, optional): Folder holding ``<seq>/<gt_file>`` and
            ``<seq>/seqinfo.ini``.
        gt_file (str): Path of the gt file inside a sequence folder, e.g.
            ``'gt/gt_half-val.txt'`` for MMTracking's half-val split.
        gt_min_visibility (float, optional): Gt boxes less visible than this
            are turned into distractors (predictions on them are neither
            rewarded nor penalised). None (the official protocol) keeps all.
        collect_device (str): ``'cpu'`` or ``'gpu'``.
        prefix (str, optional): Key prefix, default ``'motchallenge-metric'``.

    Returns (``compute_metrics``):
        dict: TrackEval's combined numbers: HOTA, DetA, AssA, DetRe, DetPr,
        AssRe, AssPr, LocA, MOTA, MOTP, MODA, Rcll, Prcn, IDF1, IDP, IDR in
        percent; IDSw, TP, FP, FN, MT, PT, ML, Frag, IDTP, IDFP, IDFN as counts.
    """

    default_prefix: Optional[str] = "motchallenge-metric"
    allowed_metrics = MOT_METRICS
    allowed_benchmarks = MOT_BENCHMARKS

    def __init__(
        self,
        metric: Union[str, Sequence[str]] = ("HOTA", "CLEAR", "Identity"),
        outfile_prefix: Optional[str] = None,
        track_iou_thr: float = 0.5,
        benchmark: str = "MOT17",
        format_only: bool = False,
        interpolate_tracks_cfg: Optional[dict] = None,
        postprocess_tracklet_cfg: Optional[Sequence[dict]] = None,
        gt_source: str = "auto",
        gt_root: Optional[str] = None,
        gt_file: str = "gt/gt.txt",
        gt_min_visibility: Optional[float] = None,
        collect_device: str = "cpu",
        prefix: Optional[str] = None,
    ) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        metrics = [metric] if isinstance(metric, str) else list(metric)
        for m in metrics:
            if m not in self.allowed_metrics:
                raise KeyError(f"metric must be in {self.allowed_metrics}, got {m!r}")
        if benchmark not in self.allowed_benchmarks:
            raise KeyError(f"benchmark must be in {self.allowed_benchmarks}, got {benchmark!r}")
        if gt_source not in ("auto", "files", "samples"):
            raise ValueError(f"gt_source must be 'auto', 'files' or 'samples', got {gt_source!r}")
        if format_only and outfile_prefix is None:
            raise ValueError("format_only=True needs outfile_prefix (where the files go)")
        if gt_min_visibility is not None and benchmark == "MOT15":
            raise ValueError("gt_min_visibility needs preprocessing, which MOT15 has not")
        self.metrics = metrics
        self.outfile_prefix = outfile_prefix
        self.track_iou_thr = float(track_iou_thr)
        self.benchmark = benchmark
        self.format_only = format_only
        self.gt_source = gt_source
        self.gt_root = gt_root
        self.gt_file = gt_file
        self.gt_min_visibility = gt_min_visibility
        self.postprocessors = self._build_postprocessors(
            interpolate_tracks_cfg, postprocess_tracklet_cfg
        )

    @staticmethod
    def _check_interpolate_cfg(cfg: dict, where: str) -> dict:
        unknown = sorted(set(cfg) - set(_INTERPOLATE_KEYS))
        if unknown:
            raise KeyError(f"{where}: unknown keys {unknown}; allowed: {list(_INTERPOLATE_KEYS)}")
        return dict(cfg)

    def _build_postprocessors(
        self, interpolate_cfg: Optional[dict], tracklet_cfgs: Optional[Sequence[dict]]
    ) -> list:
        steps = []
        if interpolate_cfg is not None:
            kwargs = self._check_interpolate_cfg(interpolate_cfg, "interpolate_tracks_cfg")
            steps.append(lambda tracks, kw=kwargs: interpolate_tracks(tracks, **kw))
        for cfg in tracklet_cfgs or []:
            cfg = dict(cfg)
            if cfg.get("type") == "InterpolateTracklets":
                cfg.pop("type")
                kwargs = self._check_interpolate_cfg(cfg, "postprocess_tracklet_cfg")
                steps.append(lambda tracks, kw=kwargs: interpolate_tracks(tracks, **kw))
            else:
                obj = TASK_UTILS.build(cfg)
                steps.append(obj.forward)
        return steps

    # ------------------------------------------------------------------ process
    @staticmethod
    def _gt_rows(frame) -> Optional[np.ndarray]:
        """``(M, 8)`` rows ``(id, x1, y1, x2, y2, conf, class, visibility)``."""
        gt = frame.instances("gt_instances")
        if gt is not None and "bboxes" in gt and "instances_id" in gt:
            boxes = as_array(gt["bboxes"], shape_tail=(4,))
            n = len(boxes)
            ids = as_array(gt["instances_id"]).reshape(-1)
            conf = as_array(gt.get("mot_conf", np.ones(n))).reshape(-1)
            cls = as_array(gt.get("mot_class_id", np.ones(n))).reshape(-1)
            vis = as_array(gt.get("visibility", np.ones(n))).reshape(-1)
            return np.column_stack([ids, boxes, conf, cls, vis]).reshape(n, 8)
        instances = frame.meta("instances", None)
        if instances is None:
            return None
        rows = []
        for ins in instances:
            cls = ins.get("mot_class_id", ins.get("category_id", 1))
            rows.append(
                [
                    ins["instance_id"],
                    *[float(v) for v in ins["bbox"]],
                    ins.get("mot_conf", 1.0),
                    cls,
                    ins.get("visibility", 1.0),
                ]
            )
        return np.asarray(rows, dtype=np.float64).reshape(-1, 8)

    def process(self, data_batch: dict, data_samples: Sequence) -> None:
        """Record the predictions (and gt, if any) of each frame.

        Args:
            data_batch (dict): The batch (unused).
            data_samples (Sequence): TrackDataSamples / DetDataSamples or
                their dict forms (see :mod:`.frame_sample`).
        """
        for frame in iter_frames(data_samples):
            frame_id = int(frame.meta("frame_id"))
            video_length = int(frame.meta("video_length"))
            img_path = frame.meta("img_path", None)
            video_id = frame.meta("video_id", None)
            if img_path:
                parts = osp.normpath(img_path).split(os.sep)
                name = parts[-3] if len(parts) >= 3 else f"video_{video_id}"
                seq_dir = osp.dirname(osp.dirname(img_path))
            else:
                name, seq_dir = f"video_{video_id}", None
            pred = frame.instances("pred_track_instances")
            if pred is None:
                raise KeyError(f"frame {frame_id} of {name} has no pred_track_instances")
            boxes = as_array(pred["bboxes"], shape_tail=(4,))
            ids = as_array(pred["instances_id"]).reshape(-1)
            scores = as_array(pred.get("scores", np.ones(len(boxes)))).reshape(-1)
            if not len(boxes) == len(ids) == len(scores):
                raise ValueError(
                    f"frame {frame_id} of {name}: {len(boxes)} boxes, {len(ids)} ids, "
                    f"{len(scores)} scores"
                )
            mot_frame_id = frame.meta("mot_frame_id", None)
            self.results.append(
                dict(
                    video=name,
                    seq_dir=seq_dir,
                    frame_id=frame_id,
                    video_length=video_length,
                    mot_frame_id=None if mot_frame_id is None else int(mot_frame_id),
                    pred=np.column_stack([ids, boxes, scores]).reshape(-1, 6),
                    gt=self._gt_rows(frame),
                )
            )

    # ---------------------------------------------------------------- compute
    @staticmethod
    def _group(results: list) -> OrderedDict:
        videos: OrderedDict = OrderedDict()
        for rec in results:
            frames = videos.setdefault(rec["video"], {})
            if rec["frame_id"] in frames:
                continue  # duplicate from a padding sampler
            frames[rec["frame_id"]] = rec
        for name, frames in videos.items():
            lengths = {rec["video_length"] for rec in frames.values()}
            if len(lengths) != 1:
                raise ValueError(f"video {name}: inconsistent video_length {sorted(lengths)}")
            videos[name] = [frames[k] for k in sorted(frames)]
        return videos

    def _seq_dir(self, name: str, recs: list) -> Optional[str]:
        return osp.join(self.gt_root, name) if self.gt_root else recs[0]["seq_dir"]

    def _plan_video(self, name: str, recs: list) -> dict:
        """Decide the gt source, the frame numbering and the sequence length."""
        video_length = recs[0]["video_length"]
        seq_dir = self._seq_dir(name, recs)
        gt_path = None if not seq_dir else osp.join(seq_dir, self.gt_file)
        has_file = gt_path is not None and osp.isfile(gt_path)
        if self.gt_source == "files" and not has_file and not self.format_only:
            raise FileNotFoundError(
                f"video {name}: gt_source='files' but the gt file {gt_path} does not exist"
            )
        use_file = has_file and self.gt_source != "samples"
        offset = 1
        if use_file:
            offsets = {
                r["mot_frame_id"] - r["frame_id"] for r in recs if r["mot_frame_id"] is not None
            }
            if len(offsets) > 1:
                raise ValueError(
                    f"video {name}: mot_frame_id - frame_id is not constant ({sorted(offsets)})"
                )
            if offsets:
                offset = offsets.pop()
            ini = osp.join(seq_dir, "seqinfo.ini")
            seq_length = (
                read_seqinfo(ini)["seqLength"]
                if osp.isfile(ini)
                else offset + video_length - 1
            )
        else:
            seq_length = video_length
        return dict(use_file=use_file, gt_path=gt_path, offset=offset, seq_length=seq_length)

    def _pred_tracks(self, recs: list, offset: int) -> np.ndarray:
        rows = [
            np.column_stack([np.full(len(r["pred"]), r["frame_id"] + 1.0), r["pred"]])
            for r in recs
        ]
        tracks = np.concatenate(rows).reshape(-1, 7) if rows else np.zeros((0, 7))
        for step in self.postprocessors:
            if len(tracks):
                tracks = np.asarray(step(tracks), dtype=np.float64).reshape(-1, 7)
        tracks = tracks.copy()
        tracks[:, 0] += offset - 1
        return tracks

    def _samples_gt(self, name: str, recs: list) -> np.ndarray:
        rows = []
        for r in recs:
            if r["gt"] is None:
                continue
            gt = r["gt"]
            ids = gt[:, 0]
            uniq, counts = np.unique(ids, return_counts=True)
            if (counts > 1).any():
                raise ValueError(
                    f"video {name}, frame_id {r['frame_id']}: gt instance id "
                    f"{int(uniq[counts > 1][0])} appears twice"
                )
            frame = np.full(len(gt), r["frame_id"] + 1.0)
            wh = gt[:, 3:5] - gt[:, 1:3]
            rows.append(
                np.column_stack([frame, ids, gt[:, 1:3], wh, gt[:, 5:8]]).reshape(-1, 9)
            )
        return np.concatenate(rows) if rows else np.zeros((0, 9))

    def compute_metrics(self, results: list) -> dict:
        """Write the result files (once) and evaluate them with TrackEval.

        Args:
            results (list): Per-frame records from all ranks.

        Returns:
            dict: Combined metrics (see the class docstring); empty with
            ``format_only``.
        """
        videos = self._group(results)
        if not videos:
            raise ValueError("MOTChallengeMetric: no frame was processed")
        with tempfile.TemporaryDirectory(prefix="mmtrack_motmetric_") as tmp:
            pred_dir = self.outfile_prefix or osp.join(tmp, "results")
            plans = {}
            for name, recs in videos.items():
                missing = recs[0]["video_length"] - len(recs)
                if missing:
                    print_log(
                        f"MOTChallengeMetric: video {name} misses {missing} of its "
                        f"{recs[0]['video_length']} frames",
                        logger="current",
                    )
                plan = self._plan_video(name, recs)
                plans[name] = plan
                write_mot_results(
                    osp.join(pred_dir, f"{name}.txt"), self._pred_tracks(recs, plan["offset"])
                )
            print_log(
                f"MOTChallengeMetric: {len(videos)} result files written to {pred_dir}",
                logger="current",
            )
            if self.format_only:
                return {}
            gts, lengths = {}, {}
            for name, recs in videos.items():
                plan = plans[name]
                lengths[name] = plan["seq_length"]
                gts[name] = self._load_gt(name, recs, plan)
            # TrackEval reads the result files written above (once, in the server's format)
            summaries = evaluate_mot(
                gts,
                pred_dir,
                lengths,
                benchmark=self.benchmark,
                metrics=self.metrics,
                iou_threshold=self.track_iou_thr,
                work_dir=osp.join(tmp, "trackeval"),
            )
        self._print(summaries, plans)
        # Floats, counts included: mmengine keeps test metrics in numpy history buffers
        # and its JSON log drops numpy integers (they were null in tools/test.py's
        # <timestamp>.json); float64 values are written.
        return {k: float(v) for k, v in summaries["COMBINED"].items()}

    def _load_gt(self, name: str, recs: list, plan: dict) -> np.ndarray:
        if plan["use_file"]:
            gt = read_mot_txt(
                plan["gt_path"],
                "gt",
                plan["seq_length"],
                check_gt_classes=self.benchmark != "MOT15",
            )
            first = plan["offset"]
            last = first + recs[0]["video_length"] - 1
            outside = (gt[:, 0] < first) | (gt[:, 0] > last)
            if outside.any():
                raise MOTFileError(
                    f"{plan['gt_path']}: has boxes on frame {int(gt[outside][0, 0])}, outside "
                    f"the evaluated frames {first}..{last} of {name}; for a split of the "
                    "sequence set gt_file (e.g. 'gt/gt_half-val.txt')"
                )
        else:
            if all(r["gt"] is None for r in recs):
                raise ValueError(
                    f"video {name}: no ground truth (no gt file at {plan['gt_path']} and no "
                    "gt_instances/instances in the samples); use format_only=True for a test split"
                )
            gt = self._samples_gt(name, recs)
            if self.benchmark != "MOT15" and len(gt):
                cls = gt[:, 7]
                bad = (cls != np.round(cls)) | (cls < 1) | (cls > len(MOT_CLASS_IDS))
                if bad.any():
                    raise ValueError(
                        f"video {name}, frame {int(gt[bad][0, 0])}: gt class "
                        f"{gt[bad][0, 7]!r} is not a MOTChallenge class id (1..13)"
                    )
        if self.gt_min_visibility is not None and gt.shape[1] >= 9 and len(gt):
            gt = gt.copy()
            low = gt[:, 8] < self.gt_min_visibility
            gt[low, 7] = MOT_CLASS_IDS["distractor"]
        return gt

    def _print(self, summaries: dict, plans: dict) -> None:
        keys = [k for k in _TABLE_KEYS if k in summaries["COMBINED"]]
        rows = [[seq] + [summaries[seq][k] for k in keys] for seq in summaries if seq != "COMBINED"]
        rows.append(["COMBINED"] + [summaries["COMBINED"][k] for k in keys])
        sources = sorted({"file" if p["use_file"] else "samples" for p in plans.values()})
        title = (
            f"MOTChallenge ({self.benchmark}, TrackEval; gt from {'/'.join(sources)}; "
            "rates in %)"
        )
        print_log("\n" + format_table(["seq", *keys], rows, title=title), logger="current")
