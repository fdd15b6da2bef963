"""Packing of pipeline results into model inputs and data samples."""

from __future__ import annotations

from typing import Optional, Sequence, Union

import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmengine.structures import InstanceData

from mmtrack.registry import TRANSFORMS
from mmtrack.structures import DetDataSample, ReIDDataSample, TrackDataSample

# results key -> InstanceData field
GT_MAPPING = {
    "gt_bboxes": "bboxes",
    "gt_bboxes_labels": "labels",
    "gt_instances_ids": "instances_id",
    "gt_masks": "masks",
}

DEFAULT_META_KEYS = (
    "img_id",
    "img_path",
    "ori_shape",
    "img_shape",
    "pad_shape",
    "scale_factor",
    "flip",
    "flip_direction",
    "frame_id",
    "mot_frame_id",
    "video_id",
    "video_length",
    "ori_video_length",
    "is_video_data",
    "num_left_ref_imgs",
    "frame_stride",
    "instances",
)

# Filled in when a pipeline has no transform that sets them (the contract of
# DetDataSample.metainfo: predictions are rescaled with ``scale_factor``).
META_DEFAULTS = dict(scale_factor=(1.0, 1.0), flip=False, flip_direction=None)


def _to_tensor(value: Union[np.ndarray, torch.Tensor, list]) -> torch.Tensor:
    if isinstance(value, torch.Tensor):
        return value
    return torch.from_numpy(np.ascontiguousarray(np.asarray(value)))


def _image_to_tensor(img: np.ndarray) -> torch.Tensor:
    """``(H, W[, C])`` array -> ``(C, H, W)`` tensor (dtype kept)."""
    if img.ndim == 2:
        img = img[..., None]
    return torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1)))


def pack_det_sample(frame: dict, meta_keys: Sequence[str]) -> DetDataSample:
    """Build the :class:`DetDataSample` of one frame's results.

    ``gt_*`` arrays become ``gt_instances`` (``gt_ignore_flags == False``) and
    ``ignored_instances`` (the rest): ``bboxes`` float32 ``(N, 4)`` x1y1x2y2,
    ``labels`` int64 ``(N,)``, ``instances_id`` int64 ``(N,)`` and ``masks``
    bool ``(N, H, W)``. Public detections (``public_bboxes`` ``(M, 4)``,
    ``public_scores``, ``public_labels``, in original image coordinates)
    become ``public_instances``.
    """
    sample = DetDataSample()
    flags = frame.get("gt_ignore_flags")
    valid = None if flags is None else ~np.asarray(flags, dtype=bool)
    gt, ignored = InstanceData(), InstanceData()
    for key, field in GT_MAPPING.items():
        if key not in frame or frame[key] is None:
            continue
        value = _to_tensor(frame[key])
        if valid is None:
            gt[field] = value
        else:
            keep = torch.from_numpy(valid)
            gt[field] = value[keep]
            ignored[field] = value[~keep]
    sample.gt_instances = gt
    sample.ignored_instances = ignored
    if frame.get("public_bboxes") is not None:
        public = InstanceData(bboxes=_to_tensor(frame["public_bboxes"]).float())
        if frame.get("public_scores") is not None:
            public.scores = _to_tensor(frame["public_scores"]).float()
        if frame.get("public_labels") is not None:
            public.labels = _to_tensor(frame["public_labels"]).long()
        sample.public_instances = public
    if frame.get("padding_mask") is not None:
        sample.padding_mask = _to_tensor(frame["padding_mask"])
    meta = {k: frame[k] for k in meta_keys if k in frame}
    for k, v in META_DEFAULTS.items():
        meta.setdefault(k, v)
    sample.set_metainfo(meta)
    return sample


def _meta_keys(default: Sequence[str], extra: Optional[Union[str, Sequence[str]]]) -> tuple:
    if extra is None:
        return tuple(default)
    extra = (extra,) if isinstance(extra, str) else tuple(extra)
    return tuple(default) + tuple(k for k in extra if k not in default)


@TRANSFORMS.register_module()
class PackTrackInputs(BaseTransform):
    """Pack a clip (dict of per-frame lists) into model inputs.

    Output:

    * ``inputs``: ``(T, C, H, W)`` tensor of the ``T`` frames (dtype of the
      images, uint8 unless converted), all frames must have the same size.
    * ``data_samples``: a :class:`TrackDataSample` whose
      ``video_data_samples`` holds one :class:`DetDataSample` per frame
      (see :func:`pack_det_sample`) with the frame's meta keys, and whose
      metainfo has ``key_frames_inds`` / ``ref_frames_inds`` (from
      ``key_frame_flags``, else the first ``num_key_frames`` frames are keys).

    A single-frame dict (values not lists) is packed as a clip of one frame.

    Args:
        meta_keys: extra per-frame meta keys to collect. Defaults to None.
        default_meta_keys: meta keys collected when present. Defaults to
            :data:`DEFAULT_META_KEYS`.
        num_key_frames: key frames when the results carry no
            ``key_frame_flags`` (e.g. SOT templates). Defaults to 1.
    """

    def __init__(
        self,
        meta_keys: Optional[Union[str, Sequence[str]]] = None,
        default_meta_keys: Sequence[str] = DEFAULT_META_KEYS,
        num_key_frames: int = 1,
    ) -> None:
        self.meta_keys = _meta_keys(default_meta_keys, meta_keys)
        self.num_key_frames = num_key_frames

    def transform(self, results: dict) -> dict:
        if "img" not in results:
            raise KeyError("PackTrackInputs: results have no 'img' (load images first)")
        if not isinstance(results["img"], list):
            results = {k: [v] for k, v in results.items()}
        num_frames = len(results["img"])
        frames = [
            {k: v[i] for k, v in results.items() if isinstance(v, list)} for i in range(num_frames)
        ]
        shapes = {f["img"].shape for f in frames}
        if len(shapes) > 1:
            raise ValueError(
                f"PackTrackInputs: frames of a clip must share one image size, got {sorted(shapes)}"
            )
        inputs = torch.stack([_image_to_tensor(f["img"]) for f in frames])
        track_sample = TrackDataSample()
        track_sample.video_data_samples = [pack_det_sample(f, self.meta_keys) for f in frames]
        if "key_frame_flags" in results:
            flags = [bool(x) for x in results["key_frame_flags"]]
        else:
            flags = [i < self.num_key_frames for i in range(num_frames)]
        track_sample.set_metainfo(
            dict(
                key_frames_inds=[i for i, f in enumerate(flags) if f],
                ref_frames_inds=[i for i, f in enumerate(flags) if not f],
            )
        )
        return dict(inputs=inputs, data_samples=track_sample)

    def __repr__(self) -> str:
        name = type(self).__name__
        return f"{name}(meta_keys={self.meta_keys}, num_key_frames={self.num_key_frames})"


@TRANSFORMS.register_module()
class PackDetInputs(BaseTransform):
    """Pack one image's results for detector training/testing.

    Output: ``inputs`` ``(C, H, W)`` tensor and ``data_samples`` a
    :class:`DetDataSample` (see :func:`pack_det_sample`).

    Args:
        meta_keys: meta keys collected when present. Defaults to ``('img_id',
            'img_path', 'ori_shape', 'img_shape', 'pad_shape',
            'scale_factor', 'flip', 'flip_direction')``.
    """

    def __init__(
        self,
        meta_keys: Sequence[str] = (
            "img_id",
            "img_path",
            "ori_shape",
            "img_shape",
            "pad_shape",
            "scale_factor",
            "flip",
            "flip_direction",
        ),
    ) -> None:
        self.meta_keys = tuple(meta_keys)

    def transform(self, results: dict) -> dict:
        if "img" not in results:
            raise KeyError("PackDetInputs: results have no 'img' (load the image first)")
        if isinstance(results["img"], list):
            raise TypeError("PackDetInputs packs one image; use PackTrackInputs for clips")
        return dict(
            inputs=_image_to_tensor(results["img"]),
            data_samples=pack_det_sample(results, self.meta_keys),
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(meta_keys={self.meta_keys})"


@TRANSFORMS.register_module()
class PackReIDInputs(BaseTransform):
    """Pack ReID crops: one image, or the list of a triplet-sampled group.

    Output: ``inputs`` ``(N, C, H, W)`` tensor (``N = 1`` for one image) and
    ``data_samples`` one :class:`ReIDDataSample` with ``gt_label.label``
    ``(N,)`` int64 and the meta keys (lists when ``N > 1``).

    Args:
        meta_keys: extra meta keys. Defaults to ().
    """

    default_meta_keys = ("img_path", "ori_shape", "img_shape", "scale", "scale_factor")

    def __init__(self, meta_keys: Union[str, Sequence[str]] = ()) -> None:
        self.meta_keys = _meta_keys(self.default_meta_keys, meta_keys)

    def transform(self, results: dict) -> dict:
        if "img" not in results or "gt_label" not in results:
            raise KeyError("PackReIDInputs: results need 'img' and 'gt_label'")
        if isinstance(results["img"], list):
            imgs, labels = (
                results["img"],
                np.asarray(results["gt_label"], dtype=np.int64).reshape(-1),
            )
        else:
            imgs = [results["img"]]
            labels = np.asarray(results["gt_label"], dtype=np.int64).reshape(-1)
        shapes = {img.shape for img in imgs}
        if len(shapes) > 1:
            raise ValueError(
                f"PackReIDInputs: crops must share one size (resize them), got {shapes}"
            )
        inputs = torch.stack([_image_to_tensor(img) for img in imgs])
        sample = ReIDDataSample().set_gt_label(torch.from_numpy(labels))
        sample.set_metainfo({k: results[k] for k in self.meta_keys if k in results})
        return dict(inputs=inputs, data_samples=sample)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(meta_keys={self.meta_keys})"
