"""HOTA, CLEAR and Identity metrics through TrackEval's MOTChallenge code.

The numbers are TrackEval's own: the checked arrays are written losslessly
to a temporary MOTChallenge layout and evaluated with ``trackeval.Evaluator``
and ``trackeval.datasets.MotChallenge2DBox``, which applies the MOTChallenge
preprocessing:

* predictions matched (Hungarian, IoU >= 0.5) to a ground-truth box of a
  distractor class (person on vehicle, static person, distractor,
  reflection; plus non-MOT vehicle for MOT20) are removed;
* ground-truth boxes that are zero-marked (``conf == 0``) or not pedestrians
  are removed;
* none of this for MOT15, which has no classes.
"""

from __future__ import annotations

import contextlib
import io
import os.path as osp
import tempfile
from typing import Optional, Sequence, Union

import numpy as np

from .mot_io import write_mot_rows

#: Metric families that can be asked for.
MOT_METRICS = ("HOTA", "CLEAR", "Identity")
#: Benchmarks whose MOTChallenge conventions are known.
MOT_BENCHMARKS = ("MOT15", "MOT16", "MOT17", "MOT20", "DanceTrack")

#: (our key, TrackEval field, kind) per family; kind 'pct' = fraction x 100
#: (HOTA-family fields are averaged over the 19 alpha thresholds first),
#: 'int' = count.
SUMMARY_FIELDS = {
    "HOTA": (
        ("HOTA", "HOTA", "pct"),
        ("DetA", "DetA", "pct"),
        ("AssA", "AssA", "pct"),
        ("DetRe", "DetRe", "pct"),
        ("DetPr", "DetPr", "pct"),
        ("AssRe", "AssRe", "pct"),
        ("AssPr", "AssPr", "pct"),
        ("LocA", "LocA", "pct"),
    ),
    "CLEAR": (
        ("MOTA", "MOTA", "pct"),
        ("MOTP", "MOTP", "pct"),
        ("MODA", "MODA", "pct"),
        ("Rcll", "CLR_Re", "pct"),
        ("Prcn", "CLR_Pr", "pct"),
        ("IDSw", "IDSW", "int"),
        ("TP", "CLR_TP", "int"),
        ("FP", "CLR_FP", "int"),
        ("FN", "CLR_FN", "int"),
        ("MT", "MT", "int"),
        ("PT", "PT", "int"),
        ("ML", "ML", "int"),
        ("Frag", "Frag", "int"),
    ),
    "Identity": (
        ("IDF1", "IDF1", "pct"),
        ("IDP", "IDP", "pct"),
        ("IDR", "IDR", "pct"),
        ("IDTP", "IDTP", "int"),
        ("IDFP", "IDFP", "int"),
        ("IDFN", "IDFN", "int"),
    ),
}

_TRACKER_NAME = "mmtrack"


def trackeval_dataset_config(
    gt_folder: str,
    trackers_folder: str,
    tracker_name: str,
    seq_lengths: dict,
    benchmark: str,
) -> dict:
    """Config of ``trackeval.datasets.MotChallenge2DBox`` for our layout.

    Layout: ``{gt_folder}/{seq}/gt/gt.txt`` and
    ``{trackers_folder}/{tracker_name}/{seq}.txt``; sequence lengths are given
    directly (``SEQ_INFO``), preprocessing is on except for MOT15.

    Args:
        gt_folder (str): Root of the ground-truth sequences.
        trackers_folder (str): Parent of the tracker's result folder.
        tracker_name (str): Name of the result folder.
        seq_lengths (dict): ``{seq: number of frames}``.
        benchmark (str): One of :data:`MOT_BENCHMARKS`.

    Returns:
        dict: The dataset config.
    """
    return dict(
        GT_FOLDER=gt_folder,
        TRACKERS_FOLDER=trackers_folder,
        OUTPUT_FOLDER=None,
        TRACKERS_TO_EVAL=[tracker_name],
        CLASSES_TO_EVAL=["pedestrian"],
        BENCHMARK=benchmark,
        SPLIT_TO_EVAL="train",
        INPUT_AS_ZIP=False,
        PRINT_CONFIG=False,
        DO_PREPROC=benchmark != "MOT15",
        TRACKER_SUB_FOLDER="",
        OUTPUT_SUB_FOLDER="",
        TRACKER_DISPLAY_NAMES=None,
        SEQMAP_FOLDER=None,
        SEQMAP_FILE=None,
        SEQ_INFO=dict(seq_lengths),
        GT_LOC_FORMAT="{gt_folder}/{seq}/gt/gt.txt",
        SKIP_SPLIT_FOL=True,
    )


def trackeval_eval_config() -> dict:
    """Config of ``trackeval.Evaluator``: serial, silent, nothing written."""
    return dict(
        USE_PARALLEL=False,
        NUM_PARALLEL_CORES=1,
        BREAK_ON_ERROR=True,
        RETURN_ON_ERROR=False,
        LOG_ON_ERROR=None,
        PRINT_RESULTS=False,
        PRINT_ONLY_COMBINED=False,
        PRINT_CONFIG=False,
        TIME_PROGRESS=False,
        DISPLAY_LESS_PROGRESS=True,
        OUTPUT_SUMMARY=False,
        OUTPUT_EMPTY_CLASSES=False,
        OUTPUT_DETAILED=False,
        PLOT_CURVES=False,
    )


def summarize_trackeval(res: dict, metrics: Sequence[str]) -> dict:
    """Turn TrackEval's result dict of one sequence (one class) into ours.

    Args:
        res (dict): ``output[seq]['pedestrian']``: ``{family: {field: value}}``.
        metrics (Sequence[str]): Families to read.

    Returns:
        dict: ``{key: value}`` with the keys of :data:`SUMMARY_FIELDS`,
        percentages as float, counts as int.
    """
    out: dict = {}
    for family in metrics:
        for key, field, kind in SUMMARY_FIELDS[family]:
            value = res[family][field]
            if kind == "pct":
                out[key] = float(np.mean(value)) * 100.0
            else:
                out[key] = int(np.round(np.asarray(value, dtype=np.float64).mean()))
    return out


def evaluate_mot(
    gts: dict,
    results: dict,
    seq_lengths: dict,
    benchmark: str = "MOT17",
    metrics: Union[str, Sequence[str]] = MOT_METRICS,
    iou_threshold: float = 0.5,
    work_dir: Optional[str] = None,
) -> dict:
    """Evaluate MOTChallenge data with TrackEval.

    Args:
        gts (dict): ``{seq: (N, C) array}`` ground truth as read by
            :func:`~mmtrack.evaluation.functional.read_mot_txt` (``C >= 8``:
            frame, id, left, top, width, height, conf, class[, visibility]).
        results (dict | str): ``{seq: (M, C') array}`` results (``C' >= 7``),
            or the folder of already written MOTChallenge result files
            ``<folder>/<seq>.txt`` (e.g. by
            :func:`~mmtrack.evaluation.functional.write_mot_results`), which
            TrackEval then reads where they are. Every sequence of ``gts``
            needs an entry (a file).
        seq_lengths (dict): ``{seq: number of frames}``.
        benchmark (str): One of :data:`MOT_BENCHMARKS`. MOT15 turns the
            preprocessing off; MOT20 adds 'non_mot_vehicle' to the distractors.
        metrics (str | Sequence[str]): Subset of :data:`MOT_METRICS`.
        iou_threshold (float): IoU threshold of CLEAR and Identity matching.
        work_dir (str, optional): Where to lay the files out; a temporary
            directory (removed afterwards) when None.

    Returns:
        dict: ``{seq: summary, ..., 'COMBINED': summary}`` where a summary is
        ``{'HOTA': 45.2, ..., 'IDSw': 3, ...}`` (see :data:`SUMMARY_FIELDS`);
        'COMBINED' is TrackEval's ``COMBINED_SEQ``.
    """
    import trackeval

    if isinstance(metrics, str):
        metrics = [metrics]
    metrics = list(metrics)
    for m in metrics:
        if m not in MOT_METRICS:
            raise KeyError(f"MOT metric must be one of {MOT_METRICS}, got {m!r}")
    if benchmark not in MOT_BENCHMARKS:
        raise KeyError(f"benchmark must be one of {MOT_BENCHMARKS}, got {benchmark!r}")
    if isinstance(results, str):
        result_folder = osp.normpath(osp.abspath(results))
        missing = sorted(s for s in gts if not osp.isfile(osp.join(result_folder, f"{s}.txt")))
        if missing:
            raise ValueError(
                f"{result_folder}: no result file for sequences {missing} (<seq>.txt expected)"
            )
    else:
        result_folder = None
        missing = sorted(set(gts) - set(results))
        if missing:
            raise ValueError(f"no results for sequences {missing}")
    missing = sorted(set(gts) - set(seq_lengths))
    if missing:
        raise ValueError(f"no sequence length for sequences {missing}")
    if not gts:
        raise ValueError("no sequence to evaluate")

    with contextlib.ExitStack() as stack:
        if work_dir is None:
            work_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix="mmtrack_mot_"))
        gt_folder = osp.join(work_dir, "gt")
        for seq, rows in gts.items():
            write_mot_rows(osp.join(gt_folder, seq, "gt", "gt.txt"), rows)
        if result_folder is None:
            trackers_folder, tracker_name = osp.join(work_dir, "trackers"), _TRACKER_NAME
            for seq in gts:
                write_mot_rows(osp.join(trackers_folder, tracker_name, f"{seq}.txt"), results[seq])
        else:
            trackers_folder, tracker_name = osp.split(result_folder)

        dataset_cfg = trackeval_dataset_config(
            gt_folder,
            trackers_folder,
            tracker_name,
            {seq: int(seq_lengths[seq]) for seq in gts},
            benchmark,
        )
        metric_objs = [
            getattr(trackeval.metrics, m)(
                dict(METRICS=[m], THRESHOLD=iou_threshold, PRINT_CONFIG=False)
            )
            for m in metrics
        ]
        log = io.StringIO()
        with contextlib.redirect_stdout(log):
            evaluator = trackeval.Evaluator(trackeval_eval_config())
            dataset = trackeval.datasets.MotChallenge2DBox(dataset_cfg)
            output, _ = evaluator.evaluate([dataset], metric_objs)
    res = output["MotChallenge2DBox"][tracker_name]
    summaries = {seq: summarize_trackeval(res[seq]["pedestrian"], metrics) for seq in gts}
    summaries["COMBINED"] = summarize_trackeval(res["COMBINED_SEQ"]["pedestrian"], metrics)
    return summaries
