"""Constant-velocity box motion of Tracktor."""

from __future__ import annotations

from typing import Optional

import numpy as np

from mmtrack.registry import TASK_UTILS


@TASK_UTILS.register_module()
class LinearMotion:
    """Move boxes by their mean velocity over the last frames (Tracktor's motion model).

    The velocity of a track is the mean of the differences between
    consecutive boxes among its last ``num_samples`` boxes (of the box
    corners, or of the centre when ``center_motion``), i.e.
    ``(b[-1] - b[-n]) / (n - 1)`` for ``n`` samples; with fewer than two
    samples it is zero. A step adds the velocity to the last box (the
    centre, keeping the size, when ``center_motion``).

    Args:
        num_samples: boxes used for the velocity. Defaults to 2.
        center_motion: estimate and apply the motion of the box centre
            only. Defaults to False.
    """

    def __init__(self, num_samples: int = 2, center_motion: bool = False) -> None:
        if num_samples < 1:
            raise ValueError(f"LinearMotion: num_samples must be >= 1, got {num_samples}")
        self.num_samples = num_samples
        self.center_motion = center_motion

    @staticmethod
    def center(bboxes: np.ndarray) -> np.ndarray:
        """Centres ``(..., 2)`` of x1y1x2y2 boxes ``(..., 4)``."""
        bboxes = np.asarray(bboxes, dtype=np.float64)
        return (bboxes[..., :2] + bboxes[..., 2:4]) / 2

    def get_velocity(self, bboxes: np.ndarray, num_samples: Optional[int] = None) -> np.ndarray:
        """Velocity of one track from its boxes.

        Args:
            bboxes: ``(S, 4)`` boxes of consecutive frames, oldest first.
            num_samples: samples to use (at most ``S``); ``self.num_samples``
                when None.

        Returns:
            ``(4,)`` box velocity, or ``(2,)`` centre velocity with ``center_motion``.
        """
        bboxes = np.asarray(bboxes, dtype=np.float64).reshape(-1, 4)
        n = min(len(bboxes), self.num_samples if num_samples is None else num_samples)
        dim = 2 if self.center_motion else 4
        if n < 2:
            return np.zeros(dim)
        pts = self.center(bboxes) if self.center_motion else bboxes
        return (pts[-1] - pts[-n]) / (n - 1)

    def velocities(self, history: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """Velocities of many tracks at once.

        Args:
            history: ``(K, L, 4)`` boxes per track, newest last.
            counts: ``(K,)`` number of usable (consecutive, newest) boxes of
                each track; capped at ``num_samples`` and ``L``.

        Returns:
            ``(K, 4)`` box velocities or ``(K, 2)`` centre velocities.
        """
        history = np.asarray(history, dtype=np.float64)
        k, length = history.shape[:2]
        dim = 2 if self.center_motion else 4
        if k == 0:
            return np.zeros((0, dim))
        n = np.minimum(np.minimum(np.asarray(counts, dtype=np.int64), self.num_samples), length)
        pts = self.center(history) if self.center_motion else history
        first = pts[np.arange(k), length - np.maximum(n, 1)]
        vel = (pts[:, -1] - first) / np.maximum(n - 1, 1)[:, None]
        vel[n < 2] = 0.0
        return vel

    def step(self, bboxes: np.ndarray, velocity: np.ndarray) -> np.ndarray:
        """Move boxes ``(..., 4)`` by their velocities (``(..., 4)`` or centre ``(..., 2)``)."""
        bboxes = np.asarray(bboxes, dtype=np.float64)
        velocity = np.asarray(velocity, dtype=np.float64)
        if self.center_motion:
            return bboxes + np.concatenate([velocity, velocity], axis=-1)
        return bboxes + velocity
