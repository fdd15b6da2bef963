"""Small, weight-free models and configs for the tests of ``mmtrack.apis``, the demos and tools.

Nothing here needs a checkpoint or a GPU:

* :class:`BlobDetector`: a "detector" finding the bright connected regions
  of a dark image (OpenCV connected components) with the MMDetection 3.x
  forward contract; its boxes follow the objects of a synthetic clip, so a
  real tracker (``ByteTrack`` + ``ByteTracker``) can be tested end to end.
* :class:`TemplateMatchSOT`: a single object tracker (normalised
  cross-correlation of the first-frame template in a search window).
* :class:`TemporalSupportVID`: a video object detector re-scoring the key
  frame's detections by their support in the reference frames it was given
  (the ``frame_stride`` / ``num_left_ref_imgs`` protocol of FGFA/SELSA).
* :class:`TinyConvDetector`: one convolution, for FLOP counting.
* :class:`StackClipPreprocessor`: stacks packed clips into ``(N, T, C, H, W)``.
* :func:`tiny_config` / :func:`write_tiny_config`: configs of these models
  with MMTracking-style test pipelines; :func:`draw_clip` draws a clip of
  filled rectangles from given boxes.
"""

from __future__ import annotations

import os
import os.path as osp
from collections.abc import Sequence
from typing import Any

import cv2
import numpy as np
import torch
from mmengine.config import Config
from mmengine.model import BaseDataPreprocessor, BaseModel
from mmengine.structures import InstanceData
from torch import Tensor, nn

from mmtrack.registry import MODELS
from mmtrack.structures import DetDataSample, TrackDataSample

__all__ = [
    "BlobDetector",
    "StackClipPreprocessor",
    "TemplateMatchSOT",
    "TemporalSupportVID",
    "TinyConvDetector",
    "draw_clip",
    "tiny_config",
    "write_tiny_config",
]

#: BGR colours of the objects of :func:`draw_clip` (bright on black).
CLIP_COLORS = ((255, 255, 255), (0, 200, 255), (255, 80, 80), (80, 255, 80), (200, 80, 255))


@MODELS.register_module()
class StackClipPreprocessor(BaseDataPreprocessor):
    """Move packed clips to the device, cast to float32 and stack them.

    ``inputs`` is a list of ``(T, C, H, W)`` tensors, all of the same size (or
    the SOT form, a dict of such lists: ``dict(img=[...])``); the output is
    ``(N, T, C, H, W)`` (or a dict of such tensors). No normalisation.
    """

    def forward(self, data: dict, training: bool = False) -> dict:
        data = self.cast_data(data)
        inputs = data["inputs"]
        if isinstance(inputs, dict):  # SOT: collated to a dict of lists
            stacked: Any = {k: self._stack(v) for k, v in inputs.items()}
        else:
            stacked = self._stack(inputs)
        return dict(inputs=stacked, data_samples=data.get("data_samples"))

    @staticmethod
    def _stack(inputs: Any) -> Tensor:
        if isinstance(inputs, (list, tuple)):
            return torch.stack([x.float() for x in inputs])
        return inputs.float()


def _scale_factor(sample: DetDataSample | None) -> tuple[float, float]:
    if sample is None:
        return 1.0, 1.0
    sw, sh = sample.metainfo.get("scale_factor", (1.0, 1.0))[:2]
    return float(sw), float(sh)


@MODELS.register_module()
class BlobDetector(BaseModel):
    """Detect bright connected regions on a dark background.

    A pixel is foreground when its largest channel times ``gain`` is above
    ``threshold``; each 8-connected foreground region of at least
    ``min_area`` pixels is one detection, boxed by its extreme pixels
    (x1y1x2y2 with ``x2 = x + w``, the pixel-edge convention), with score
    ``score`` and label ``label``. Boxes (and masks) are returned in original
    image pixels (divided by the metainfo ``scale_factor``).

    The detector has nothing to learn: ``gain`` is a fixed (non-trainable)
    parameter that only carries the device and dtype; ``loss`` mode is refused.

    Args:
        threshold: foreground threshold on the 0-255 scale. Defaults to 40.
        min_area: smallest region in input pixels. Defaults to 4.
        score: score of every detection. Defaults to 0.9.
        label: class of every detection. Defaults to 0.
        with_mask: also predict ``masks`` ``(N, H, W)`` bool at the original
            size (for VIS tests). Defaults to False.
        data_preprocessor: data preprocessor config. Defaults to None.
        init_cfg: initialisation config. Defaults to None.
    """

    def __init__(
        self,
        threshold: float = 40.0,
        min_area: int = 4,
        score: float = 0.9,
        label: int = 0,
        with_mask: bool = False,
        data_preprocessor: dict | None = None,
        init_cfg: dict | None = None,
    ) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.threshold = threshold
        self.min_area = min_area
        self.score = score
        self.label = label
        self.with_mask = with_mask
        self.gain = nn.Parameter(torch.ones(1), requires_grad=False)

    def forward(
        self, inputs: Tensor, data_samples: list | None = None, mode: str = "tensor"
    ) -> Any:
        """``'tensor'``: foreground maps ``(N, 1, H, W)``; ``'predict'``: detections."""
        if mode == "tensor":
            return self._forward(inputs)
        if mode == "predict":
            return self.predict(inputs, data_samples)
        raise ValueError(
            f"BlobDetector has nothing to train; mode must be 'tensor' or 'predict', got {mode!r}"
        )

    def _forward(self, inputs: Tensor, data_samples: list | None = None) -> Tensor:
        """Foreground maps ``(N, 1, H, W)`` (1.0 / 0.0) of ``(N, C, H, W)`` images."""
        return (inputs.float().amax(dim=1, keepdim=True) * self.gain > self.threshold).float()

    def predict(
        self, inputs: Tensor, data_samples: list | None = None, rescale: bool = True
    ) -> list[DetDataSample]:
        """Detections of ``(N, C, H, W)`` images.

        Returns:
            ``data_samples`` (new ones when None) with ``pred_instances``:
            ``bboxes`` ``(K, 4)`` x1y1x2y2 original pixels, ``scores``,
            ``labels`` and, with ``with_mask``, ``masks``.
        """
        fg = self._forward(inputs)[:, 0].to(torch.uint8).cpu().numpy()
        if data_samples is None:
            data_samples = [DetDataSample() for _ in range(len(fg))]
        for mask, sample in zip(fg, data_samples):
            num, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
            keep = [k for k in range(1, num) if stats[k, cv2.CC_STAT_AREA] >= self.min_area]
            boxes = np.array(
                [
                    [
                        stats[k, cv2.CC_STAT_LEFT],
                        stats[k, cv2.CC_STAT_TOP],
                        stats[k, cv2.CC_STAT_LEFT] + stats[k, cv2.CC_STAT_WIDTH],
                        stats[k, cv2.CC_STAT_TOP] + stats[k, cv2.CC_STAT_HEIGHT],
                    ]
                    for k in keep
                ],
                dtype=np.float32,
            ).reshape(-1, 4)
            sw, sh = _scale_factor(sample) if rescale else (1.0, 1.0)
            boxes /= np.array([sw, sh, sw, sh], dtype=np.float32)
            device = inputs.device
            pred = InstanceData()
            pred.bboxes = torch.from_numpy(boxes).to(device)
            pred.scores = torch.full((len(keep),), float(self.score), device=device)
            pred.labels = torch.full((len(keep),), int(self.label), dtype=torch.long, device=device)
            if self.with_mask:
                oh, ow = sample.metainfo.get("ori_shape", mask.shape)[:2]
                ih, iw = sample.metainfo.get("img_shape", mask.shape)[:2]
                masks = np.zeros((len(keep), int(oh), int(ow)), dtype=bool)
                for j, k in enumerate(keep):
                    region = (labels[: int(ih), : int(iw)] == k).astype(np.uint8)
                    masks[j] = cv2.resize(region, (int(ow), int(oh)), cv2.INTER_NEAREST) > 0
                pred.masks = torch.from_numpy(masks).to(device)
            sample.pred_instances = pred
        return data_samples


def _gray(img: Tensor) -> np.ndarray:
    """``(C, H, W)`` float tensor (BGR, 0-255) -> ``(H, W)`` float32 gray image."""
    arr = img.detach().float().cpu().numpy()
    return arr.mean(axis=0).astype(np.float32)


@MODELS.register_module()
class TemplateMatchSOT(BaseModel):
    """Single object tracking by template matching.

    Frame 0 stores the gray-level patch of the target (from ``gt_instances``
    or the ``init_bbox`` metainfo, original pixels) grown by ``context`` of
    its size on each side. Each later frame searches a window
    ``search_factor`` times the template size around the last box with
    normalised cross-correlation (``cv2.TM_CCOEFF_NORMED``); the best
    position gives the new box (same size), its correlation the score.

    Args:
        search_factor: search window size relative to the template. Defaults to 3.
        context: template margin on each side, relative to the target size.
            Defaults to 0.25.
        data_preprocessor: data preprocessor config. Defaults to None.
        init_cfg: initialisation config. Defaults to None.
    """

    def __init__(
        self,
        search_factor: float = 3.0,
        context: float = 0.25,
        data_preprocessor: dict | None = None,
        init_cfg: dict | None = None,
    ) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.search_factor = search_factor
        self.context = context
        self.gain = nn.Parameter(torch.ones(1), requires_grad=False)
        self.template: np.ndarray | None = None
        self.offset = np.zeros(4, dtype=np.float32)  # box minus template origin
        self.box: np.ndarray | None = None  # x1y1x2y2 in input pixels

    def forward(self, inputs: Any, data_samples: list | None = None, mode: str = "predict") -> Any:
        """Only ``'predict'``: the tracker has nothing to train."""
        if mode != "predict":
            raise ValueError(f"TemplateMatchSOT only predicts, got mode {mode!r}")
        return self.predict(inputs, data_samples)

    def _init(self, gray: np.ndarray, box: np.ndarray) -> None:
        """Store the template: the box grown by ``context`` of its size on each side."""
        h, w = gray.shape
        bw, bh = box[2] - box[0], box[3] - box[1]
        pad = np.array([-bw, -bh, bw, bh], dtype=np.float32) * self.context
        x1, y1, x2, y2 = np.clip(np.round(box + pad), 0, [w, h, w, h]).astype(int)
        self.template = gray[y1 : max(y2, y1 + 1), x1 : max(x2, x1 + 1)].copy()
        self.offset = box - np.array([x1, y1, x1, y1], dtype=np.float32)
        self.box = box

    def predict(self, inputs: Any, data_samples: list) -> list[TrackDataSample]:
        """Track the target in the one frame of ``data_samples[0]``.

        Args:
            inputs: ``dict(img=(1, 1, C, H, W))`` or a ``(1, 1, C, H, W)`` tensor.
            data_samples: one :class:`TrackDataSample` of one frame.

        Returns:
            ``data_samples`` with ``pred_track_instances`` (``bboxes`` ``(1, 4)``
            x1y1x2y2 original pixels, ``scores`` ``(1,)``) on the frame.
        """
        img = inputs["img"] if isinstance(inputs, dict) else inputs
        frame = data_samples[0][0]
        gray = _gray(img[0, 0] * self.gain)
        sw, sh = _scale_factor(frame)
        scale = np.array([sw, sh, sw, sh], dtype=np.float32)
        h, w = gray.shape
        if int(frame.metainfo["frame_id"]) == 0 or self.template is None:
            if "gt_instances" in frame and len(frame.gt_instances.bboxes):
                init = frame.gt_instances.bboxes[0].detach().cpu().numpy()
            else:
                init = np.asarray(frame.metainfo["init_bbox"], dtype=np.float32)
            self._init(gray, np.asarray(init, dtype=np.float32) * scale)
            score = 1.0
        else:
            assert self.box is not None
            th, tw = self.template.shape
            cx, cy = (self.box[0] + self.box[2]) / 2, (self.box[1] + self.box[3]) / 2
            half_w, half_h = self.search_factor * tw / 2, self.search_factor * th / 2
            sx1, sy1 = int(max(0, round(cx - half_w))), int(max(0, round(cy - half_h)))
            sx2 = int(min(w, max(round(cx + half_w), sx1 + tw)))
            sy2 = int(min(h, max(round(cy + half_h), sy1 + th)))
            sx1, sy1 = min(sx1, max(0, sx2 - tw)), min(sy1, max(0, sy2 - th))
            region = gray[sy1:sy2, sx1:sx2]
            if region.shape[0] < th or region.shape[1] < tw:
                score = 0.0  # template larger than the image: keep the last box
            else:
                corr = cv2.matchTemplate(region, self.template, cv2.TM_CCOEFF_NORMED)
                _, score, _, (mx, my) = cv2.minMaxLoc(corr)
                origin = np.array([sx1 + mx, sy1 + my, sx1 + mx, sy1 + my], dtype=np.float32)
                self.box = origin + self.offset
        pred = InstanceData()
        pred.bboxes = torch.from_numpy((self.box / scale)[None].astype(np.float32))
        pred.scores = torch.tensor([float(score)], dtype=torch.float32)
        frame.pred_track_instances = pred.to(img.device)
        return data_samples


def _iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU matrix ``(len(a), len(b))`` of x1y1x2y2 boxes."""
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)))
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.clip(rb - lt, 0, None).prod(-1)
    area_a = (a[:, 2:] - a[:, :2]).prod(-1)
    area_b = (b[:, 2:] - b[:, :2]).prod(-1)
    return inter / (area_a[:, None] + area_b[None] - inter)


@MODELS.register_module()
class TemporalSupportVID(BaseModel):
    """Video object detection: key-frame detections re-scored by reference frames.

    Each test item holds the key frame and the reference frames sent with it
    (see :func:`mmtrack.apis.inference_vid`): on frame 0 the memory is reset,
    every reference frame's detections are appended to it (at most
    ``num_left_ref_imgs`` frames kept, the oldest dropped). A key-frame
    detection's score is multiplied by its support: the fraction of the
    memory frames holding a detection with IoU of at least ``iou_thr`` (1
    with an empty memory).

    Args:
        detector: config of the per-frame detector.
        iou_thr: IoU for support. Defaults to 0.5.
        data_preprocessor: data preprocessor config. Defaults to None.
        init_cfg: initialisation config. Defaults to None.
    """

    def __init__(
        self,
        detector: dict,
        iou_thr: float = 0.5,
        data_preprocessor: dict | None = None,
        init_cfg: dict | None = None,
    ) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.detector = MODELS.build(detector)
        self.iou_thr = iou_thr
        self.memory: list[np.ndarray] = []

    def forward(
        self, inputs: Tensor, data_samples: list | None = None, mode: str = "predict"
    ) -> Any:
        """``'predict'`` or ``'tensor'`` (the detector's output on the key frames)."""
        if mode == "predict":
            return self.predict(inputs, data_samples)
        if mode == "tensor":
            return self.detector(inputs[:, 0], None, mode="tensor")
        raise ValueError(f"TemporalSupportVID has nothing to train; got mode {mode!r}")

    def predict(self, inputs: Tensor, data_samples: list) -> list[TrackDataSample]:
        """Detect on the key frame of ``data_samples[0]`` (``inputs`` ``(1, T, C, H, W)``).

        Returns:
            ``data_samples`` with ``pred_det_instances`` on the key frame.
        """
        sample = data_samples[0]
        key_ind = list(sample.metainfo.get("key_frames_inds", [0]) or [0])[0]
        refs = list(sample.metainfo.get("ref_frames_inds", []))
        key = sample[key_ind]
        if int(key.metainfo["frame_id"]) == 0:
            self.memory = []
        max_len = max(1, int(key.metainfo.get("num_left_ref_imgs", 10)))
        for r in refs:
            det = self.detector.predict(inputs[:, r], [DetDataSample(metainfo=sample[r].metainfo)])
            self.memory.append(det[0].pred_instances.bboxes.cpu().numpy())
            self.memory = self.memory[-max_len:]
        pred = self.detector.predict(inputs[:, key_ind], [key])[0].pred_instances
        boxes = pred.bboxes.cpu().numpy()
        if self.memory:
            support = np.mean(
                [(_iou(boxes, m) >= self.iou_thr).any(axis=1) for m in self.memory], axis=0
            )
        else:
            support = np.ones(len(boxes))
        pred.scores = pred.scores * torch.as_tensor(support, dtype=torch.float32).to(pred.scores)
        key.pred_det_instances = pred
        del key.pred_instances
        return data_samples


@MODELS.register_module()
class TinyConvDetector(BaseModel):
    """One ``Conv2d`` (with bias) in ``'tensor'`` mode, for FLOP-count tests.

    Args:
        in_channels: input channels. Defaults to 3.
        out_channels: output channels. Defaults to 4.
        kernel_size: square kernel size (padding keeps the size). Defaults to 3.
        data_preprocessor: data preprocessor config. Defaults to None.
    """

    def __init__(
        self,
        in_channels: int = 3,
        out_channels: int = 4,
        kernel_size: int = 3,
        data_preprocessor: dict | None = None,
    ) -> None:
        super().__init__(data_preprocessor=data_preprocessor)
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, padding=kernel_size // 2)

    def forward(
        self, inputs: Tensor, data_samples: list | None = None, mode: str = "tensor"
    ) -> Any:
        """``'tensor'``: the convolution's output ``(N, out, H, W)``."""
        if mode != "tensor":
            raise ValueError(f"TinyConvDetector only has 'tensor' mode, got {mode!r}")
        return self._forward(inputs)

    def _forward(self, inputs: Tensor, data_samples: list | None = None) -> Tensor:
        return self.conv(inputs)


# ------------------------------------------------------------------ configs
def _broadcast_pipeline(scale: tuple[int, int] | None, annotations: str) -> list[dict]:
    transforms: list[dict] = [dict(type="LoadImageFromFile"), dict(type=annotations)]
    if scale is not None:
        transforms.append(dict(type="Resize", scale=scale, keep_ratio=True))
    return [dict(type="TransformBroadcaster", transforms=transforms), dict(type="PackTrackInputs")]


def tiny_config(
    task: str = "mot",
    scale: tuple[int, int] | None = (96, 64),
    with_mask: bool = False,
    classes: Sequence[str] = ("blob",),
) -> Config:
    """Config of a test model for ``task`` with an MMTracking-style test pipeline.

    * ``'mot'``: ``ByteTrack`` with :class:`BlobDetector` and ``ByteTracker``;
      pipeline ``TransformBroadcaster[LoadImageFromFile, LoadTrackAnnotations,
      Resize(scale)]`` + ``PackTrackInputs`` (``with_mask`` adds masks: VIS).
    * ``'sot'``: :class:`TemplateMatchSOT`; pipeline ``LoadImageFromFile``,
      ``LoadAnnotations`` + ``PackSOTInputs`` (no resize).
    * ``'vid'``: :class:`TemporalSupportVID`; FGFA-style broadcast pipeline.

    Args:
        task: ``'mot'``, ``'sot'`` or ``'vid'``. Defaults to ``'mot'``.
        scale: ``(w, h)`` bound of ``Resize`` (``keep_ratio``), or None for
            no resize. Defaults to (96, 64).
        with_mask: MOT detector predicts masks (VIS). Defaults to False.
        classes: class names in the data set metainfo. Defaults to ``('blob',)``.

    Returns:
        The :class:`Config` (``custom_imports`` this module).
    """
    preprocessor = dict(type="StackClipPreprocessor")
    if task == "mot":
        model = dict(
            type="ByteTrack",
            data_preprocessor=preprocessor,
            detector=dict(type="BlobDetector", with_mask=with_mask),
            tracker=dict(
                type="ByteTracker",
                motion=dict(type="KalmanFilter"),
                obj_score_thrs=dict(high=0.6, low=0.1),
                init_track_thr=0.7,
                weight_iou_with_det_scores=True,
                match_iou_thrs=dict(high=0.1, low=0.5, tentative=0.3),
                num_frames_retain=30,
            ),
        )
        pipeline = _broadcast_pipeline(scale, "LoadTrackAnnotations")
        dataset_type = "MOTChallengeDataset"
    elif task == "sot":
        model = dict(type="TemplateMatchSOT", data_preprocessor=preprocessor)
        pipeline = [
            dict(type="LoadImageFromFile"),
            dict(type="LoadAnnotations", with_bbox=True, with_label=False),
            dict(type="PackSOTInputs"),
        ]
        dataset_type = "LaSOTDataset"
    elif task == "vid":
        model = dict(
            type="TemporalSupportVID",
            data_preprocessor=preprocessor,
            detector=dict(type="BlobDetector"),
        )
        pipeline = _broadcast_pipeline(scale, "LoadTrackAnnotations")
        dataset_type = "ImagenetVIDDataset"
    else:
        raise ValueError(f"task must be 'mot', 'sot' or 'vid', got {task!r}")
    return Config(
        dict(
            custom_imports=dict(imports=["tests.helpers.apis"], allow_failed_imports=False),
            default_scope="mmtrack",
            model=model,
            test_dataloader=dict(
                batch_size=1,
                dataset=dict(
                    type=dataset_type,
                    metainfo=dict(classes=tuple(classes)),
                    pipeline=pipeline,
                    test_mode=True,
                ),
            ),
            visualizer=dict(type="TrackLocalVisualizer", name="visualizer"),
        )
    )


def write_tiny_config(path: str | os.PathLike, task: str = "mot", **kwargs: Any) -> str:
    """Write :func:`tiny_config` to a ``.py`` config file and return its path."""
    path = os.fspath(path)
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    tiny_config(task, **kwargs).dump(path)
    return path


# --------------------------------------------------------------------- clips
def draw_clip(
    boxes: np.ndarray,
    size: tuple[int, int] = (96, 128),
    colors: Sequence[tuple[int, int, int]] = CLIP_COLORS,
) -> list[np.ndarray]:
    """Draw a clip of filled rectangles on black frames.

    Args:
        boxes: ``(T, K, 4)`` integer x1y1x2y2 boxes (pixel edges: the object
            covers columns ``x1 .. x2 - 1``) of ``K`` objects in ``T`` frames;
            NaN rows are absent objects.
        size: ``(H, W)`` of the frames. Defaults to (96, 128).
        colors: BGR colour of each object. Defaults to :data:`CLIP_COLORS`.

    Returns:
        ``T`` frames ``(H, W, 3)`` uint8 BGR.
    """
    frames = []
    for frame_boxes in np.asarray(boxes, dtype=np.float64):
        img = np.zeros((*size, 3), dtype=np.uint8)
        for k, box in enumerate(frame_boxes):
            if np.isnan(box).any():
                continue
            x1, y1, x2, y2 = (int(v) for v in box)
            img[max(y1, 0) : max(y2, 0), max(x1, 0) : max(x2, 0)] = colors[k % len(colors)]
        frames.append(img)
    return frames
