"""Motion models (stateless maths on track states)."""

from .camera_motion_compensation import CameraMotionCompensation
from .flow_warp import flow_warp_feats
from .flownet_simple import FlowNetSimple
from .kalman_filter import CHI2INV95, KalmanFilter
from .linear_motion import LinearMotion

__all__ = [
    "CHI2INV95",
    "CameraMotionCompensation",
    "FlowNetSimple",
    "KalmanFilter",
    "LinearMotion",
    "flow_warp_feats",
]
