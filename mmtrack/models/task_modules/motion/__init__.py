"""Motion models (stateless maths on track states)."""

from .camera_motion_compensation import CameraMotionCompensation
from .kalman_filter import CHI2INV95, KalmanFilter
from .linear_motion import LinearMotion

__all__ = ["CHI2INV95", "CameraMotionCompensation", "KalmanFilter", "LinearMotion"]
