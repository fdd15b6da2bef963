"""Motion models (stateless maths on track states)."""

from .kalman_filter import CHI2INV95, KalmanFilter

__all__ = ["CHI2INV95", "KalmanFilter"]
