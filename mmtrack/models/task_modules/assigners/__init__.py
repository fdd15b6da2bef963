"""Assigners: which ground truth each prior learns from."""

from .assign_result import AssignResult
from .base_assigner import BaseAssigner
from .hungarian_assigner import HungarianAssigner
from .iou2d_calculator import BboxOverlaps2D
from .match_costs import ClassificationCost, CrossEntropyLossCost, DiceCost
from .max_iou_assigner import MaxIoUAssigner
from .sim_ota_assigner import SimOTAAssigner
