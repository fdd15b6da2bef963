"""Assigners: which ground truth each prior learns from."""

from .assign_result import AssignResult
from .base_assigner import BaseAssigner
from .iou2d_calculator import BboxOverlaps2D
from .max_iou_assigner import MaxIoUAssigner
from .sim_ota_assigner import SimOTAAssigner
