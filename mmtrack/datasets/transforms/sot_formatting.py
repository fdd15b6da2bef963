"""Packing of SOT samples: template and search frames into a TrackDataSample."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from mmcv.transforms import BaseTransform

from mmtrack.registry import TRANSFORMS
from mmtrack.structures import DetDataSample, TrackDataSample

from .formatting import pack_det_sample

DEFAULT_SOT_META_KEYS = (
    "img_id",
    "img_path",
    "ori_shape",
    "img_shape",
    "scale_factor",
    "flip",
    "flip_direction",
    "frame_id",
    "video_id",
    "video_length",
    "video_name",
    "visible",
    "init_bbox",
)


def _to_frames(results: dict) -> list[dict]:
    """Split a dict of per-frame lists (or a one-frame dict) into frame dicts."""
    if not isinstance(results["img"], list):
        return [results]
    num = len(results["img"])
    frames = [dict() for _ in range(num)]
    for key, value in results.items():
        if isinstance(value, list) and len(value) == num:
            for frame, item in zip(frames, value):
                frame[key] = item
    return frames


def _stack_images(imgs: list[np.ndarray]) -> torch.Tensor:
    """Stack ``(H, W[, C])`` images into a ``(T, C, H, W)`` tensor."""
    imgs = [img[..., None] if img.ndim == 2 else img for img in imgs]
    if len({img.dtype for img in imgs}) > 1:
        imgs = [img.astype(np.float32) for img in imgs]
    stacked = np.ascontiguousarray(np.stack(imgs).transpose(0, 3, 1, 2))
    return torch.from_numpy(stacked)


@TRANSFORMS.register_module()
class PackSOTInputs(BaseTransform):
    """Pack a SOT sample: ``inputs`` images and a :class:`TrackDataSample`.

    The frames are ordered template frames first (training); a test item is one
    frame. Outputs:

    * ``inputs``: ``dict(img=(T_t, C, H_t, W_t))`` for the template frames (the
      test frame in test mode) and ``{ref_prefix}_img`` ``(T_s, C, H_s, W_s)``
      for the search frames (they may differ in size from the templates), in
      the image dtype (uint8 unless a transform made them float).
    * ``data_samples``: a :class:`TrackDataSample` whose ``video_data_samples``
      hold one :class:`DetDataSample` per frame (templates, then search frames,
      packed by :func:`~mmtrack.datasets.transforms.formatting.pack_det_sample`)
      with ``gt_instances`` (``bboxes`` ``(n, 4)`` x1y1x2y2 float32, ``labels``
      ``(n,)`` int64, ``polygons`` ``(n, 8)`` if given), the frame's meta keys
      and ``padding_mask`` ``(H, W)`` bool where a crop made one; its metainfo
      ``key_frames_inds`` lists the template frames and ``ref_frames_inds`` the
      search frames.

    Args:
        num_template_frames (int): Number of leading template frames.
            Defaults to 1.
        ref_prefix (str): Prefix of the search-frame input key. Defaults to
            "search".
        meta_keys (Sequence[str]): Extra per-frame meta keys. Defaults to ().
    """

    def __init__(
        self,
        num_template_frames: int = 1,
        ref_prefix: str = "search",
        meta_keys: Sequence[str] = (),
    ) -> None:
        if num_template_frames < 1:
            raise ValueError(
                f"PackSOTInputs num_template_frames must be >= 1, got {num_template_frames}"
            )
        self.num_template_frames = num_template_frames
        self.ref_prefix = ref_prefix
        if isinstance(meta_keys, str):
            meta_keys = (meta_keys,)
        self.meta_keys = tuple(DEFAULT_SOT_META_KEYS) + tuple(meta_keys)

    def _frame_sample(self, frame: dict) -> DetDataSample:
        if "gt_bboxes" not in frame:
            raise KeyError(f"PackSOTInputs: frame {frame.get('img_path', '?')} has no 'gt_bboxes'")
        frame = dict(frame)
        frame["gt_bboxes"] = np.asarray(frame["gt_bboxes"], dtype=np.float32).reshape(-1, 4)
        if "gt_bboxes_labels" not in frame:
            frame["gt_bboxes_labels"] = np.zeros(len(frame["gt_bboxes"]), dtype=np.int64)
        frame["gt_bboxes_labels"] = np.asarray(frame["gt_bboxes_labels"], np.int64).reshape(-1)
        sample = pack_det_sample(frame, self.meta_keys)
        if "gt_polygons" in frame:
            polygons = np.asarray(frame["gt_polygons"], dtype=np.float32).reshape(-1, 8)
            sample.gt_instances.polygons = torch.from_numpy(polygons)
        return sample

    def transform(self, results: dict) -> dict:
        """Pack the sample."""
        frames = _to_frames(results)
        num_templates = min(self.num_template_frames, len(frames))
        inputs = dict(img=_stack_images([f["img"] for f in frames[:num_templates]]))
        if len(frames) > num_templates:
            inputs[f"{self.ref_prefix}_img"] = _stack_images(
                [f["img"] for f in frames[num_templates:]]
            )
        track_sample = TrackDataSample()
        track_sample.video_data_samples = [self._frame_sample(f) for f in frames]
        track_sample.set_metainfo(
            dict(
                key_frames_inds=list(range(num_templates)),
                ref_frames_inds=list(range(num_templates, len(frames))),
            )
        )
        return dict(inputs=inputs, data_samples=track_sample)

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(num_template_frames={self.num_template_frames}, "
            f"ref_prefix={self.ref_prefix!r}, meta_keys={self.meta_keys})"
        )
