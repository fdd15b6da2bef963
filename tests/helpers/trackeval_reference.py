"""Reference MOT numbers for tests: TrackEval run directly on MOTChallenge files.

Deliberately independent of :mod:`mmtrack.evaluation`: it points TrackEval's
own ``MotChallenge2DBox`` at the files as they are on disk (sequence lengths
read by TrackEval from ``seqinfo.ini``) and returns its raw result dicts.
"""

from __future__ import annotations

import contextlib
import io
import os.path as osp
from typing import Optional, Sequence


def run_trackeval_reference(
    gt_root: str,
    results_dir: str,
    seqs: Sequence[str],
    benchmark: str = "MOT17",
    gt_loc_format: str = "{gt_folder}/{seq}/gt/gt.txt",
    threshold: float = 0.5,
    output_dir: Optional[str] = None,
) -> dict:
    """TrackEval's results on ``gt_root/<seq>`` against ``results_dir/<seq>.txt``.

    Args:
        gt_root (str): Folder of ``<seq>/gt/gt.txt`` and ``<seq>/seqinfo.ini``.
        results_dir (str): Folder of ``<seq>.txt``.
        seqs (Sequence[str]): Sequences to evaluate.
        benchmark (str): TrackEval ``BENCHMARK`` (MOT15 disables preprocessing).
        gt_loc_format (str): TrackEval ``GT_LOC_FORMAT``.
        threshold (float): CLEAR/Identity threshold.
        output_dir (str, optional): TrackEval ``OUTPUT_FOLDER`` (nothing is
            written there with the settings used).

    Returns:
        dict: ``{seq or 'COMBINED_SEQ': {'HOTA': {...}, 'CLEAR': {...},
        'Identity': {...}, 'Count': {...}}}`` for class 'pedestrian'.
    """
    import trackeval

    eval_config = trackeval.Evaluator.get_default_eval_config()
    eval_config.update(
        USE_PARALLEL=False,
        PRINT_RESULTS=False,
        PRINT_CONFIG=False,
        TIME_PROGRESS=False,
        OUTPUT_SUMMARY=False,
        OUTPUT_DETAILED=False,
        PLOT_CURVES=False,
        LOG_ON_ERROR=None,
    )
    dataset_config = trackeval.datasets.MotChallenge2DBox.get_default_dataset_config()
    dataset_config.update(
        GT_FOLDER=gt_root,
        TRACKERS_FOLDER=osp.dirname(osp.abspath(results_dir)),
        TRACKERS_TO_EVAL=[osp.basename(osp.abspath(results_dir))],
        TRACKER_SUB_FOLDER="",
        OUTPUT_FOLDER=output_dir,
        BENCHMARK=benchmark,
        DO_PREPROC=benchmark != "MOT15",
        SEQ_INFO={seq: None for seq in seqs},
        GT_LOC_FORMAT=gt_loc_format,
        SKIP_SPLIT_FOL=True,
        PRINT_CONFIG=False,
    )
    metrics = [
        trackeval.metrics.HOTA(),
        trackeval.metrics.CLEAR(dict(THRESHOLD=threshold, PRINT_CONFIG=False)),
        trackeval.metrics.Identity(dict(THRESHOLD=threshold, PRINT_CONFIG=False)),
    ]
    with contextlib.redirect_stdout(io.StringIO()):
        evaluator = trackeval.Evaluator(eval_config)
        dataset = trackeval.datasets.MotChallenge2DBox(dataset_config)
        output, _ = evaluator.evaluate([dataset], metrics)
    res = output["MotChallenge2DBox"][osp.basename(osp.abspath(results_dir))]
    return {seq: value["pedestrian"] for seq, value in res.items()}
