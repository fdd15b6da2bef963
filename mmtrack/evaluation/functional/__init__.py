"""Pure evaluation functions (numpy in, numbers out)."""

from .bbox_overlaps import bbox_overlaps
from .eval_reid import eval_reid, squared_euclidean_distmat
from .eval_sot_got10k import eval_got10k, rect_iou
from .eval_sot_ope import IOU_THRESHOLDS, PIXEL_THRESHOLDS, eval_sot_ope
from .eval_sot_vot import (
    VOT_INTERVALS,
    calc_accuracy,
    calc_eao_curve,
    eval_sot_accuracy_robustness,
    eval_sot_eao,
)
from .eval_ytvis import YTVISEval, eval_ytvis, spatio_temporal_iou, to_rle
from .interpolate_tracks import gaussian_smoothed_interpolation, gp_smooth, interpolate_tracks
from .mot_io import (
    MOT_CLASS_IDS,
    MOTFileError,
    format_mot_results,
    read_mot_txt,
    read_seqinfo,
    write_mot_results,
    write_mot_rows,
)
from .mot_trackeval import MOT_BENCHMARKS, MOT_METRICS, SUMMARY_FIELDS, evaluate_mot
from .table import format_table
from .vot_region import calculate_region_overlap, calculate_region_overlaps

__all__ = [
    "IOU_THRESHOLDS",
    "MOTFileError",
    "MOT_BENCHMARKS",
    "MOT_CLASS_IDS",
    "MOT_METRICS",
    "PIXEL_THRESHOLDS",
    "SUMMARY_FIELDS",
    "VOT_INTERVALS",
    "YTVISEval",
    "bbox_overlaps",
    "calc_accuracy",
    "calc_eao_curve",
    "calculate_region_overlap",
    "calculate_region_overlaps",
    "eval_got10k",
    "eval_reid",
    "eval_sot_accuracy_robustness",
    "eval_sot_eao",
    "eval_sot_ope",
    "eval_ytvis",
    "evaluate_mot",
    "format_mot_results",
    "format_table",
    "gaussian_smoothed_interpolation",
    "gp_smooth",
    "interpolate_tracks",
    "read_mot_txt",
    "read_seqinfo",
    "rect_iou",
    "spatio_temporal_iou",
    "squared_euclidean_distmat",
    "to_rle",
    "write_mot_results",
    "write_mot_rows",
]
