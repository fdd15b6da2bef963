"""Base class of single object trackers (MMTracking 1.x ``BaseSingleObjectTracker``).

Contract shared by every SOT model of :mod:`mmtrack.models.sot`:

* ``forward(inputs, data_samples, mode)`` dispatches ``'loss'`` to
  :meth:`~BaseSingleObjectTracker.loss`, ``'predict'`` to
  :meth:`~BaseSingleObjectTracker.predict` and ``'tensor'`` to ``_forward``.
* Training (``loss``): ``inputs`` is the preprocessed dict that
  :class:`~mmtrack.datasets.transforms.PackSOTInputs` +
  :class:`~mmtrack.models.data_preprocessors.TrackDataPreprocessor` give:
  ``img`` ``(N, T_z, C, H_z, W_z)`` template crops and ``search_img``
  ``(N, T_x, C, H_x, W_x)`` search crops; ``data_samples`` holds one
  :class:`~mmtrack.structures.TrackDataSample` per pair whose frames are the
  templates then the search frames (``key_frames_inds`` /
  ``ref_frames_inds``), each with ``gt_instances.bboxes`` ``(1, 4)``
  x1y1x2y2 in crop pixels (and the search frame's ``gt_instances.labels``:
  1 for a positive pair, 0 for a negative one, as ``PairSampling`` gives).
* Testing (``predict``): one frame per call, ``inputs['img']``
  ``(1, 1, C, H, W)`` and one ``TrackDataSample`` of one frame whose metainfo
  has ``frame_id`` (and ``init_bbox`` on frame 0, x1y1x2y2 original pixels,
  as :func:`mmtrack.apis.inference_sot` and the SOT data sets give it; else
  ``gt_instances.bboxes[0]``). Frame 0 (or the restart frame of the VOT
  protocol) calls ``init(img, bbox)``, every other frame ``track(img)``; the
  frame gets ``pred_track_instances`` with ``bboxes`` ``(1, 4)`` x1y1x2y2
  original pixels and ``scores`` ``(1,)``.
* Subclasses implement ``loss``, ``init(img (C, H, W), bbox (4,) x1y1x2y2
  input pixels) -> None`` and ``track(img (C, H, W)) -> (bbox (4,) x1y1x2y2
  input pixels, score float)``; both work on the preprocessed (normalised)
  image.
* VOT (``test_cfg['test_mode'] == 'VOT'``): MMTracking's reset-based
  protocol: a frame whose prediction does not overlap the gt (VOT toolkit
  overlap) is a failure (``bboxes`` ``[[2.]]``), the next 4 frames are
  skipped (``[[0.]]``) and the 5th re-initialises on the gt (``[[1.]]``);
  the initialisation frame also gives ``[[1.]]``.
"""

from __future__ import annotations

import math
from abc import ABCMeta, abstractmethod
from collections.abc import Sequence
from typing import Any, Optional, Union

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.model import BaseModel
from mmengine.structures import InstanceData
from torch import Tensor

from mmtrack.evaluation.functional.vot_region import calculate_region_overlap
from mmtrack.structures import TrackDataSample

__all__ = [
    "BaseSingleObjectTracker",
    "check_init_bbox",
    "clip_bbox",
    "get_cropped_img",
    "quad2bbox",
]

#: Frames skipped after a VOT failure before the tracker is re-initialised.
VOT_SKIP_FRAMES = 5


def check_init_bbox(
    bbox: Union[Tensor, np.ndarray, Sequence[float]], img_shape: Optional[Sequence[int]] = None
) -> Tensor:
    """Validate an initial box.

    Args:
        bbox: ``(4,)`` x1y1x2y2 pixels.
        img_shape: ``(H, W)`` of the image; when given, the box must overlap it.

    Returns:
        The box as a float32 ``(4,)`` tensor.

    Raises:
        ValueError: not 4 finite numbers, zero or negative size, or outside
            the image (the message names the value).
    """
    box = torch.as_tensor(
        bbox.detach().cpu() if isinstance(bbox, Tensor) else np.asarray(bbox, dtype=np.float32),
        dtype=torch.float32,
    ).reshape(-1)
    values = [round(float(v), 3) for v in box.tolist()]
    if box.numel() != 4 or not bool(torch.isfinite(box).all()):
        raise ValueError(f"SOT init_bbox must be 4 finite numbers x1, y1, x2, y2, got {values}")
    if box[2] <= box[0] or box[3] <= box[1]:
        raise ValueError(
            f"SOT init_bbox {values} has zero or negative size (x1y1x2y2 needs x2 > x1, y2 > y1)"
        )
    if img_shape is not None:
        h, w = int(img_shape[0]), int(img_shape[1])
        if box[0] >= w or box[1] >= h or box[2] <= 0 or box[3] <= 0:
            raise ValueError(
                f"SOT init_bbox {values} (x1y1x2y2) lies outside the {w}x{h} (width x height) image"
            )
    return box


def clip_bbox(bbox: Tensor, img_h: int, img_w: int, min_size: float = 10.0) -> Tensor:
    """Clip a cxcywh box: centre inside the image, size in ``[min_size, image]``.

    MMTracking's ``_bbox_clip`` of SiamRPN.

    Args:
        bbox: ``(4,)`` cx, cy, w, h pixels.
        img_h: image height.
        img_w: image width.
        min_size: smallest width / height. Defaults to 10.

    Returns:
        The clipped ``(4,)`` box (a new tensor).
    """
    out = bbox.clone()
    out[0] = out[0].clamp(0.0, float(img_w))
    out[1] = out[1].clamp(0.0, float(img_h))
    out[2] = out[2].clamp(min_size, float(max(img_w, min_size)))
    out[3] = out[3].clamp(min_size, float(max(img_h, min_size)))
    return out


def get_cropped_img(
    img: Tensor, center_xy: Sequence[float], target_size: int, crop_size: float, avg_channel: Tensor
) -> Tensor:
    """Square crop around a centre, padded with ``avg_channel`` and resized.

    MMTracking's ``SiamRPN.get_cropped_img``: the crop covers the pixels
    ``int(c - crop_size / 2)`` to ``int(c + crop_size / 2)`` (inclusive,
    truncated toward zero) on each axis; out-of-image parts take
    ``avg_channel``; the crop is resized (bilinear, ``align_corners=False``)
    to ``target_size``. As in MMTracking, the right / bottom padding is
    ``x2 - W`` (not ``x2 - W + 1``), so a crop reaching past the right or
    bottom edge is one pixel short there before the resize.

    Args:
        img: ``(1, C, H, W)`` image.
        center_xy: ``(cx, cy)`` pixels.
        target_size: output side.
        crop_size: crop side in image pixels.
        avg_channel: ``(C,)`` padding value.

    Returns:
        ``(1, C, target_size, target_size)``.

    Raises:
        ValueError: ``crop_size`` is not a positive finite number.
    """
    crop_size = float(crop_size)
    if not math.isfinite(crop_size) or crop_size <= 0:
        raise ValueError(f"get_cropped_img: crop_size must be a positive number, got {crop_size}")
    n, c, img_h, img_w = img.shape
    cx, cy = float(center_xy[0]), float(center_xy[1])
    x1, x2 = int(cx - crop_size / 2), int(cx + crop_size / 2)
    y1, y2 = int(cy - crop_size / 2), int(cy + crop_size / 2)
    left, top = max(0, -x1), max(0, -y1)
    right, bottom = max(0, x2 - img_w), max(0, y2 - img_h)
    if left or top or right or bottom:
        canvas = avg_channel.to(img).view(1, c, 1, 1).repeat(
            n, 1, img_h + top + bottom, img_w + left + right
        )
        canvas[..., top : top + img_h, left : left + img_w] = img
    else:
        canvas = img
    crop = canvas[..., y1 + top : y2 + top + 1, x1 + left : x2 + left + 1]
    size = (target_size, target_size)
    return F.interpolate(crop, size=size, mode="bilinear", align_corners=False)


def quad2bbox(quad: Tensor) -> Tensor:
    """Axis-aligned x1y1x2y2 box of a VOT region (MMTracking's ``quad2bbox``).

    A polygon ``(8,)`` gives the box centred on its mean point whose size is
    the polygon's bounding box scaled to the area of its first two sides'
    parallelogram; a ``(4,)`` box is returned as is.

    Args:
        quad: ``(8,)`` polygon x1, y1, ..., x4, y4 or ``(4,)`` x1y1x2y2.

    Returns:
        ``(4,)`` x1y1x2y2.
    """
    quad = quad.reshape(-1).float()
    if quad.numel() == 4:
        return quad.clone()
    if quad.numel() != 8:
        raise ValueError(f"quad2bbox: expected 4 or 8 values, got {quad.numel()}")
    xs, ys = quad[0::2], quad[1::2]
    cx, cy = xs.mean(), ys.mean()
    x1, x2, y1, y2 = xs.min(), xs.max(), ys.min(), ys.max()
    area1 = torch.norm(quad[0:2] - quad[2:4]) * torch.norm(quad[2:4] - quad[4:6])
    area2 = (x2 - x1) * (y2 - y1)
    scale = torch.sqrt(area1 / area2) if area2 > 0 else quad.new_tensor(1.0)
    w, h = scale * (x2 - x1), scale * (y2 - y1)
    return torch.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2])


class BaseSingleObjectTracker(BaseModel, metaclass=ABCMeta):
    """Base class of single object trackers; see the module docstring for the contract.

    Args:
        data_preprocessor: data preprocessor config. Defaults to None.
        init_cfg: initialisation config. Defaults to None.
    """

    def __init__(
        self, data_preprocessor: Optional[dict] = None, init_cfg: Optional[dict] = None
    ) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.init_frame_id = 0

    # ----------------------------------------------------------------- dispatch
    def forward(
        self, inputs: Any, data_samples: Optional[list] = None, mode: str = "predict"
    ) -> Any:
        """``'loss'``: dict of losses; ``'predict'``: data samples; ``'tensor'``: raw outputs."""
        if mode == "loss":
            return self.loss(inputs, data_samples)
        if mode == "predict":
            return self.predict(inputs, data_samples)
        if mode == "tensor":
            return self._forward(inputs, data_samples)
        raise ValueError(
            f"{type(self).__name__}: mode must be 'loss', 'predict' or 'tensor', got {mode!r}"
        )

    def _forward(self, inputs: Any, data_samples: Optional[list] = None) -> Any:
        """Raw network outputs; subclasses that support ``'tensor'`` mode override it."""
        raise ValueError(f"{type(self).__name__} has no 'tensor' mode")

    @abstractmethod
    def loss(self, inputs: dict, data_samples: list[TrackDataSample]) -> dict:
        """Losses of a batch of template/search pairs (see the module docstring)."""

    @abstractmethod
    def init(self, img: Tensor, bbox: Tensor) -> None:
        """Initialise on ``img`` ``(C, H, W)`` with ``bbox`` ``(4,)`` x1y1x2y2 input pixels."""

    @abstractmethod
    def track(self, img: Tensor) -> tuple[Tensor, float]:
        """Track in ``img`` ``(C, H, W)``: ``(bbox (4,) x1y1x2y2 input pixels, score)``."""

    # ------------------------------------------------------------------ predict
    @property
    def test_mode(self) -> str:
        """``'OPE'`` (default) or ``'VOT'`` (reset-based), from ``test_cfg['test_mode']``."""
        cfg = getattr(self, "test_cfg", None) or {}
        mode = cfg.get("test_mode", "OPE") if isinstance(cfg, dict) else "OPE"
        if mode not in ("OPE", "VOT"):
            raise ValueError(
                f"{type(self).__name__}: test_cfg.test_mode must be 'OPE' or 'VOT', got {mode!r}"
            )
        return mode

    @staticmethod
    def _frame_image(inputs: Any) -> Tensor:
        img = inputs["img"] if isinstance(inputs, dict) else inputs
        if img.dim() == 5:
            if img.shape[0] != 1 or img.shape[1] != 1:
                raise ValueError(f"SOT predict takes one frame of one video: {tuple(img.shape)}")
            img = img[0, 0]
        elif img.dim() == 4:
            if img.shape[0] != 1:
                raise ValueError(f"SOT predict takes one frame of one video: {tuple(img.shape)}")
            img = img[0]
        if img.dim() != 3:
            raise ValueError(f"SOT predict: expected a (C, H, W) frame, got {tuple(img.shape)}")
        return img

    @staticmethod
    def _scale(frame: Any, device: torch.device) -> Tensor:
        sw, sh = frame.metainfo.get("scale_factor", (1.0, 1.0))[:2]
        return torch.tensor([sw, sh, sw, sh], dtype=torch.float32, device=device)

    @staticmethod
    def _gt_region(frame: Any) -> Optional[Tensor]:
        """The frame's gt: polygon ``(8,)`` if given, else box ``(4,)`` (original pixels)."""
        gt = frame.get("gt_instances", None)
        if gt is None:
            return None
        if "polygons" in gt and len(gt.polygons):
            return torch.as_tensor(gt.polygons[0]).float().reshape(-1)
        if "bboxes" in gt and len(gt.bboxes):
            return torch.as_tensor(gt.bboxes[0]).float().reshape(-1)
        return None

    def _init_box(self, frame: Any) -> Tensor:
        """Initial box (original pixels) of a frame: metainfo ``init_bbox``, else its gt."""
        if frame.metainfo.get("init_bbox", None) is not None:
            return check_init_bbox(frame.metainfo["init_bbox"], frame.metainfo.get("ori_shape"))
        region = self._gt_region(frame)
        if region is None:
            raise KeyError(
                f"{type(self).__name__}: frame {frame.metainfo.get('frame_id')} needs an "
                "'init_bbox' metainfo or gt_instances.bboxes to initialise the tracker"
            )
        return check_init_bbox(quad2bbox(region), frame.metainfo.get("ori_shape"))

    def predict(self, inputs: Any, data_samples: list[TrackDataSample]) -> list[TrackDataSample]:
        """Track the target in the one frame of ``data_samples[0]``.

        Args:
            inputs: ``dict(img=(1, 1, C, H, W))`` (or the tensor).
            data_samples: one :class:`TrackDataSample` of one frame.

        Returns:
            ``data_samples`` with ``pred_track_instances`` on the frame:
            ``bboxes`` ``(1, 4)`` x1y1x2y2 original pixels (VOT special
            states ``(1, 1)``) and ``scores`` ``(1,)``.
        """
        if len(data_samples) != 1:
            raise ValueError(f"SOT predict takes one video at a time, got {len(data_samples)}")
        img = self._frame_image(inputs)
        sample = data_samples[0]
        frame = sample[0] if isinstance(sample, TrackDataSample) else sample
        frame_id = int(frame.metainfo.get("frame_id", -1))
        scale = self._scale(frame, img.device)
        if self.test_mode == "VOT":
            bbox, score = self._predict_vot(img, frame, frame_id, scale)
        else:
            if frame_id == 0:
                box = self._init_box(frame).to(img.device) * scale
                self.init(img, box)
                bbox, score = box / scale, -1.0
            else:
                box, score = self.track(img)
                bbox = box / scale
        pred = InstanceData()
        pred.bboxes = bbox.reshape(1, -1).float()
        pred.scores = torch.tensor([float(score)], dtype=torch.float32, device=img.device)
        frame.pred_track_instances = pred
        return data_samples

    def _predict_vot(
        self, img: Tensor, frame: Any, frame_id: int, scale: Tensor
    ) -> tuple[Tensor, float]:
        """One frame of the VOT reset-based protocol (MMTracking's ``predict_vot``)."""
        if frame_id == 0:
            self.init_frame_id = 0
        if frame_id == self.init_frame_id:
            region = self._gt_region(frame)
            if region is None:
                raise KeyError(f"VOT frame {frame_id} has no gt_instances to (re)initialise on")
            box = check_init_bbox(quad2bbox(region), frame.metainfo.get("ori_shape"))
            self.init(img, box.to(img.device) * scale)
            return img.new_tensor([1.0]), -1.0
        if frame_id < self.init_frame_id:
            return img.new_tensor([0.0]), -1.0
        box, score = self.track(img)
        box = box / scale
        region = self._gt_region(frame)
        shape = frame.metainfo.get("ori_shape", None)
        bounds = None if shape is None else (int(shape[1]), int(shape[0]))
        if region is not None:
            overlap = calculate_region_overlap(
                box.detach().cpu().numpy(), region.cpu().numpy(), bounds=bounds
            )
            if overlap <= 0:
                self.init_frame_id = frame_id + VOT_SKIP_FRAMES
                return img.new_tensor([2.0]), score
        return box, score
