"""Base class of the stateful multi-object trackers."""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from typing import Any

import numpy as np
import torch
from mmengine.structures import InstanceData

from mmtrack.models.task_modules.motion import KalmanFilter
from mmtrack.registry import TASK_UTILS

from .track_store import TrackStore


class BaseTracker(metaclass=ABCMeta):
    """Shared machinery of the trackers (not an ``nn.Module``).

    A tracker owns its tracks (a :class:`TrackStore`), numbers new tracks from
    its own counter, and forgets everything on :meth:`reset`. Subclasses
    implement :meth:`update`, the paper's association steps on numpy arrays;
    :meth:`track` adapts it to the detector's :class:`DetDataSample`.

    Args:
        motion: config of the motion model built from ``TASK_UTILS`` (e.g.
            ``dict(type='KalmanFilter')``), or None. Defaults to None.
        num_frames_retain: a track not matched for this many frames is
            removed. Defaults to 30.
    """

    def __init__(self, motion: dict | None = None, num_frames_retain: int = 30) -> None:
        self.motion = TASK_UTILS.build(motion) if isinstance(motion, dict) else motion
        self.num_frames_retain = num_frames_retain
        self.tracks = TrackStore()
        self.num_tracks = 0

    @property
    def kf(self) -> Any:
        """The motion model (a Kalman filter for the SORT family)."""
        return self.motion

    @property
    def _compact_cov(self) -> bool:
        """Whether Kalman covariances are kept in the compact ``(K, 3, 4)`` layout.

        The layout is exact as long as nothing mixes the box coordinates, that is
        without camera-motion compensation (see :class:`KalmanFilter`).
        """
        return isinstance(self.motion, KalmanFilter) and getattr(self, "cmc", None) is None

    @property
    def empty(self) -> bool:
        """Whether the tracker holds no track."""
        return len(self.tracks) == 0

    @property
    def ids(self) -> list[int]:
        """Ids of the live tracks."""
        return self.tracks["ids"].tolist() if not self.empty else []

    def reset(self) -> None:
        """Forget every track and restart the id counter (call between videos)."""
        self.tracks = TrackStore()
        self.num_tracks = 0

    def _new_ids(self, num: int) -> np.ndarray:
        ids = np.arange(self.num_tracks, self.num_tracks + num, dtype=np.int64)
        self.num_tracks += num
        return ids

    @abstractmethod
    def update(
        self,
        bboxes: np.ndarray,
        scores: np.ndarray,
        labels: np.ndarray,
        frame_id: int,
        **kwargs: Any,
    ) -> dict[str, np.ndarray]:
        """Associate one frame's detections with the tracks.

        Args:
            bboxes: ``(N, 4)`` detections, x1y1x2y2 pixels.
            scores: ``(N,)`` detection scores.
            labels: ``(N,)`` class indices.
            frame_id: index of the frame in its video (0-based, increasing).
            **kwargs: extra per-detection inputs (e.g. ``embeds`` ``(N, C)``)
                or per-frame inputs (e.g. ``img``) used by some trackers.

        Returns:
            Dict with ``bboxes`` ``(K, 4)``, ``scores`` ``(K,)``, ``labels``
            ``(K,)`` and ``ids`` ``(K,)`` of the tracked objects of this frame.
        """

    def track(
        self,
        data_sample: Any,
        rescale: bool = True,
        **kwargs: Any,
    ) -> InstanceData:
        """Track the detections of one frame held in a :class:`DetDataSample`.

        Reads ``pred_det_instances`` (or ``pred_instances``) and the metainfo
        ``frame_id``; a frame with ``frame_id == 0`` starts a new video and
        resets the tracker.

        Args:
            data_sample: the frame's :class:`DetDataSample` with detections.
            rescale: unused; boxes are taken as given. Defaults to True.
            **kwargs: passed to :meth:`update`.

        Returns:
            :class:`InstanceData` with ``bboxes``, ``scores``, ``labels`` and
            ``instances_id`` tensors on the detections' device.
        """
        dets = (
            data_sample.pred_det_instances
            if "pred_det_instances" in data_sample
            else data_sample.pred_instances
        )
        frame_id = int(data_sample.metainfo.get("frame_id", -1))
        if frame_id < 0:
            raise ValueError("tracker.track: the data sample's metainfo has no 'frame_id'")
        if frame_id == 0:
            self.reset()
        device = dets.bboxes.device if isinstance(dets.bboxes, torch.Tensor) else "cpu"

        def to_np(x: Any) -> np.ndarray:
            if not isinstance(x, torch.Tensor):
                return np.asarray(x)
            x = x.detach().cpu()
            # NumPy has no bfloat16 (detections under CPU autocast)
            return (x.float() if x.dtype == torch.bfloat16 else x).numpy()

        out = self.update(
            to_np(dets.bboxes).reshape(-1, 4).astype(np.float64),
            to_np(dets.scores).reshape(-1).astype(np.float64),
            to_np(dets.labels).reshape(-1).astype(np.int64),
            frame_id,
            **kwargs,
        )
        result = InstanceData()
        result.bboxes = torch.as_tensor(out["bboxes"], dtype=torch.float32, device=device)
        result.scores = torch.as_tensor(out["scores"], dtype=torch.float32, device=device)
        result.labels = torch.as_tensor(out["labels"], dtype=torch.long, device=device)
        result.instances_id = torch.as_tensor(out["ids"], dtype=torch.long, device=device)
        return result

    @staticmethod
    def _output(
        bboxes: np.ndarray, scores: np.ndarray, labels: np.ndarray, ids: np.ndarray
    ) -> dict[str, np.ndarray]:
        return dict(
            bboxes=np.asarray(bboxes, dtype=np.float64).reshape(-1, 4),
            scores=np.asarray(scores, dtype=np.float64).reshape(-1),
            labels=np.asarray(labels, dtype=np.int64).reshape(-1),
            ids=np.asarray(ids, dtype=np.int64).reshape(-1),
        )
