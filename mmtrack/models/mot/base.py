"""Base class of the multiple-object-tracking meta-architectures."""

from __future__ import annotations

from typing import Any, Iterator, Optional, Sequence, Union

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from mmengine.model import BaseModel
from mmengine.structures import InstanceData
from torch import Tensor

from mmtrack.registry import MODELS, TASK_UTILS
from mmtrack.structures import DetDataSample, TrackDataSample


def resolve_warp_mode(cfg: Any) -> Any:
    """Turn MMTracking's ``warp_mode='cv2.MOTION_EUCLIDEAN'`` strings into OpenCV constants.

    Args:
        cfg: a camera-motion-compensation config (other values pass through).

    Raises:
        ValueError: naming the value when it is not an OpenCV ``MOTION_*`` constant.
    """
    if not isinstance(cfg, dict) or not isinstance(cfg.get("warp_mode", None), str):
        return cfg
    mode = cfg["warp_mode"]
    name = mode.split(".")[-1]
    if not name.startswith("MOTION_") or not hasattr(cv2, name):
        raise ValueError(f"{cfg.get('type', 'cmc')}: unknown warp_mode {mode!r}")
    return dict(cfg, warp_mode=getattr(cv2, name))


@MODELS.register_module()
class BaseMOTModel(BaseModel):
    """Shared machinery of the MOT models (mmengine ``BaseModel``).

    The one constructor of the tracking-by-detection models (SORT/DeepSORT,
    ByteTrack, OC-SORT, StrongSORT, BoT-SORT, Deep OC-SORT): it builds the
    ``detector`` and ``reid`` models, the ``motion`` model (a Kalman filter)
    and the camera-motion compensation ``cmc``, and the ``tracker``, to
    which it hands ``motion`` and ``cmc`` when the tracker's own config has
    none (MMTracking 0.14 configs put them at the model level). Models with
    other parts (QDTrack's ``track_head``, Tracktor's list of motions) build
    those themselves and pass the rest here.

    At test time each call receives one :class:`TrackDataSample` holding the
    frames to track (usually one frame: ``inputs`` ``(1, 1, C, H, W)``); the
    tracker keeps the state between calls and is reset when a frame with
    ``frame_id == 0`` arrives.

    Args:
        detector: detector config, or None to track public detections.
            Defaults to None.
        reid: ReID model config (``BaseReID``), or None. Defaults to None.
        tracker: tracker config. Defaults to None.
        motion: motion model config (``KalmanFilter``), given to the
            tracker when its config has none. Defaults to None.
        cmc: camera-motion-compensation config (``warp_mode`` may be an
            ``'cv2.MOTION_*'`` string), given to the tracker when its config
            has none. Defaults to None.
        reid_crop_cfg: ``img_scale`` ``(h, w)`` and ``img_norm_cfg`` of the
            ReID crops. None takes them from the tracker config's ``reid``
            dict (where MMTracking configs keep them), else ``(256, 128)``
            without renormalisation. Resolved once, here. Defaults to None.
        data_preprocessor: config of the data preprocessor (e.g.
            ``TrackDataPreprocessor``). Defaults to None.
        init_cfg: initialisation config. Defaults to None.
    """

    def __init__(
        self,
        detector: Optional[dict] = None,
        reid: Optional[dict] = None,
        tracker: Optional[dict] = None,
        motion: Optional[dict] = None,
        cmc: Optional[dict] = None,
        reid_crop_cfg: Optional[dict] = None,
        data_preprocessor: Optional[dict] = None,
        init_cfg: Union[dict, list, None] = None,
    ) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if detector is not None:
            self.detector = MODELS.build(detector)
        if reid is not None:
            self.reid = MODELS.build(reid)
        self.reid_crop_cfg = self.resolve_reid_crop_cfg(reid_crop_cfg, tracker)
        self.motion = TASK_UTILS.build(motion) if motion is not None else None
        self.cmc = TASK_UTILS.build(resolve_warp_mode(dict(cmc))) if cmc is not None else None
        self.tracker = self.build_tracker(tracker, motion=self.motion, cmc=self.cmc)

    @staticmethod
    def resolve_reid_crop_cfg(reid_crop_cfg: Optional[dict], tracker: Optional[dict]) -> dict:
        """The ReID crop settings: ``reid_crop_cfg``, else the tracker config's ``reid`` dict.

        Args:
            reid_crop_cfg: ``img_scale`` and ``img_norm_cfg``, or None.
            tracker: the tracker config (its ``reid`` dict may hold them).

        Returns:
            ``dict(img_scale=(h, w), img_norm_cfg=dict | None)``.
        """
        src = reid_crop_cfg
        if src is None and isinstance(tracker, dict) and isinstance(tracker.get("reid"), dict):
            src = tracker["reid"]
        src = src or {}
        return dict(
            img_scale=tuple(src.get("img_scale", (256, 128))),
            img_norm_cfg=src.get("img_norm_cfg", None),
        )

    @property
    def with_cmc(self) -> bool:
        """Whether the tracker compensates camera motion."""
        return getattr(self.tracker, "cmc", None) is not None

    # -- module switches ----------------------------------------------------------------------
    def freeze_module(self, module: Union[str, Sequence[str]]) -> None:
        """Put sub-modules in eval mode and stop their gradients.

        Args:
            module: attribute name(s) of the sub-modules, e.g. ``'detector'``.

        Raises:
            TypeError: when ``module`` is neither a string nor a list/tuple.
            AttributeError: when the model has no such sub-module.
        """
        if isinstance(module, str):
            names = [module]
        elif isinstance(module, (list, tuple)):
            names = list(module)
        else:
            raise TypeError(
                f"{type(self).__name__}.freeze_module: module must be a str or a list of str, "
                f"got {type(module).__name__}"
            )
        for name in names:
            m = getattr(self, name, None)
            if not isinstance(m, torch.nn.Module):
                raise AttributeError(
                    f"{type(self).__name__}.freeze_module: no sub-module named {name!r}"
                )
            m.eval()
            for p in m.parameters():
                p.requires_grad = False

    @property
    def with_detector(self) -> bool:
        """Whether the model has a detector."""
        return getattr(self, "detector", None) is not None

    @property
    def with_reid(self) -> bool:
        """Whether the model has a ReID model."""
        return getattr(self, "reid", None) is not None

    @property
    def with_motion(self) -> bool:
        """Whether the model has a motion model."""
        return getattr(self, "motion", None) is not None

    @property
    def with_track_head(self) -> bool:
        """Whether the model has a track head."""
        return getattr(self, "track_head", None) is not None

    @property
    def with_tracker(self) -> bool:
        """Whether the model has a tracker."""
        return getattr(self, "tracker", None) is not None

    # -- forward ------------------------------------------------------------------------------
    def forward(
        self,
        inputs: Union[Tensor, dict],
        data_samples: Optional[list] = None,
        mode: str = "predict",
        **kwargs: Any,
    ) -> Any:
        """Dispatch on ``mode``: ``'loss'``, ``'predict'`` or ``'tensor'``.

        Args:
            inputs: images ``(N, T, C, H, W)`` (``T`` frames per sample),
                normalised and padded by the data preprocessor; a dict with
                key ``'img'`` is accepted too (MMTracking 1.x form).
            data_samples: one :class:`TrackDataSample` per clip (or
                :class:`DetDataSample` per image when training a detector
                on single images). Defaults to None.
            mode: what to return. Defaults to ``'predict'``.
        """
        if isinstance(inputs, dict):
            if "img" not in inputs:
                raise KeyError(
                    f"{type(self).__name__}.forward: dict inputs need key 'img', "
                    f"got {sorted(inputs)}"
                )
            inputs = inputs["img"]
        if mode == "loss":
            return self.loss(inputs, data_samples, **kwargs)
        if mode == "predict":
            return self.predict(inputs, data_samples, **kwargs)
        if mode == "tensor":
            return self._forward(inputs, data_samples, **kwargs)
        raise ValueError(
            f"{type(self).__name__}.forward: mode must be 'loss', 'predict' or 'tensor', "
            f"got {mode!r}"
        )

    def loss(self, inputs: Tensor, data_samples: list, **kwargs: Any) -> dict:
        """Train the detector on the key frames (MMDetection 3.x's ByteTrack).

        SORT-family models have no trainable association: their detector is
        trained through the MOT wrapper (the ReID model on its own data).

        Args:
            inputs: ``(N, C, H, W)`` images with :class:`DetDataSample`, or
                ``(N, T, C, H, W)`` clips with :class:`TrackDataSample`.
            data_samples: the samples with ``gt_instances``.

        Returns:
            The detector's dict of ``loss_*`` tensors.
        """
        if not self.with_detector:
            raise ValueError(f"{type(self).__name__}: nothing to train without a detector")
        imgs, samples = self.key_frames(inputs, data_samples)
        return self.detector.loss(imgs, samples, **kwargs)

    def predict(self, inputs: Tensor, data_samples: list, **kwargs: Any) -> list:
        """Track the frames of one video clip (usually one frame).

        Args:
            inputs: ``(1, T, C, H, W)`` preprocessed frames.
            data_samples: one :class:`TrackDataSample` of ``T`` frames.

        Returns:
            ``data_samples``, every frame with ``pred_det_instances`` and
            ``pred_track_instances`` (original-image pixels).
        """
        if not self.with_tracker:
            raise ValueError(f"{type(self).__name__}: predict needs a tracker")
        for img, frame in self.iter_frames(inputs, data_samples):
            self.track_frame(img, frame, **kwargs)
        return data_samples

    def _forward(self, inputs: Tensor, data_samples: Optional[list] = None, **kwargs: Any) -> Any:
        """Raw detector outputs of the key frames (no post-processing)."""
        if not self.with_detector:
            raise ValueError(f"{type(self).__name__}: 'tensor' mode needs a detector")
        imgs, samples = self.key_frames(inputs, data_samples)
        return self.detector(imgs, samples, mode="tensor")

    # -- helpers shared by the sub-classes ----------------------------------------------------
    def key_frames(
        self, inputs: Tensor, data_samples: Optional[list]
    ) -> tuple[Tensor, Optional[list]]:
        """Images ``(N, C, H, W)`` and :class:`DetDataSample` of the key frames.

        ``inputs`` may already be single images ``(N, C, H, W)`` with
        :class:`DetDataSample` (detector training data, as MMDetection 3.x's
        ``use_det_processor``), or clips ``(N, T, C, H, W)`` with
        :class:`TrackDataSample` whose metainfo names the key frame
        (``key_frames_inds``, else frame 0).
        """
        if inputs.dim() == 4:
            return inputs, data_samples
        if inputs.dim() != 5:
            raise ValueError(
                f"{type(self).__name__}: inputs must be (N, C, H, W) or (N, T, C, H, W), "
                f"got shape {tuple(inputs.shape)}"
            )
        if data_samples is None:
            return inputs[:, 0], None
        imgs, samples = [], []
        for i, sample in enumerate(data_samples):
            if not isinstance(sample, TrackDataSample):
                raise TypeError(
                    f"{type(self).__name__}: clip inputs need TrackDataSample, "
                    f"got {type(sample).__name__}"
                )
            key = list(sample.metainfo.get("key_frames_inds", [0]) or [0])[0]
            imgs.append(inputs[i, key])
            samples.append(sample[key])
        return torch.stack(imgs), samples

    def iter_frames(
        self, inputs: Tensor, data_samples: list
    ) -> Iterator[tuple[Tensor, DetDataSample]]:
        """Yield ``(img (1, C, H, W), DetDataSample)`` for every frame of a test batch.

        The test batch holds one :class:`TrackDataSample` (``inputs``
        ``(1, T, C, H, W)``); ``T`` is 1 when the data loader yields frames.
        """
        if inputs.dim() != 5:
            raise ValueError(
                f"{type(self).__name__}.predict: inputs must be (N, T, C, H, W), "
                f"got shape {tuple(inputs.shape)}"
            )
        if inputs.size(0) != 1 or data_samples is None or len(data_samples) != 1:
            raise ValueError(
                f"{type(self).__name__}.predict tracks one video at a time (batch size 1), "
                f"got {inputs.size(0)} inputs and "
                f"{None if data_samples is None else len(data_samples)} data samples"
            )
        track_sample = data_samples[0]
        if len(track_sample) != inputs.size(1):
            raise ValueError(
                f"{type(self).__name__}.predict: {inputs.size(1)} frames in inputs but "
                f"{len(track_sample)} in the data sample"
            )
        for t in range(inputs.size(1)):
            yield inputs[:, t].contiguous(), track_sample[t]

    def detect(self, img: Tensor, frame: DetDataSample) -> InstanceData:
        """Detections of one frame in original-image pixels.

        With public detections in the sample (``public_instances``, from a
        data set's ``detection_file``) and a two-stage detector, they are the
        proposals of the RoI head (which re-scores and refines them, as
        MMTracking 0.14); without a detector they are used as they are.
        Otherwise the detector's own predictions are returned.

        Args:
            img: ``(1, C, H, W)`` preprocessed image.
            frame: the frame's :class:`DetDataSample`.

        Returns:
            :class:`InstanceData` with ``bboxes`` ``(N, 4)`` x1y1x2y2,
            ``scores`` ``(N,)`` and ``labels`` ``(N,)``.
        """
        public = frame.get("public_instances", None)
        if not self.with_detector:
            if public is None:
                raise ValueError(
                    f"{type(self).__name__}: without a detector the frames need public "
                    f"detections ('public_instances'; set the data set's detection_file), "
                    f"frame {frame.metainfo.get('img_path', '?')} has none"
                )
            return self._public_as_detections(public, img.device)
        if public is not None and self._is_two_stage():
            x = self.detector.extract_feat(img)
            return self._refine_proposals(x, public, frame)
        det_results = self.detector.predict(img, [frame])
        return det_results[0].pred_instances.clone()

    @staticmethod
    def _public_as_detections(public: InstanceData, device: torch.device) -> InstanceData:
        bboxes = torch.as_tensor(public.bboxes, dtype=torch.float32, device=device).reshape(-1, 4)
        n = len(bboxes)
        scores = public.get("scores", None)
        labels = public.get("labels", None)
        dets = InstanceData()
        dets.bboxes = bboxes
        dets.scores = (
            torch.ones(n, device=device)
            if scores is None
            else torch.as_tensor(scores, dtype=torch.float32, device=device).reshape(-1)
        )
        dets.labels = (
            torch.zeros(n, dtype=torch.long, device=device)
            if labels is None
            else torch.as_tensor(labels, dtype=torch.long, device=device).reshape(-1)
        )
        return dets

    def _is_two_stage(self) -> bool:
        return getattr(self.detector, "roi_head", None) is not None

    def _refine_proposals(
        self, x: tuple[Tensor, ...], public: InstanceData, frame: DetDataSample
    ) -> InstanceData:
        """Run the RoI head on public boxes (original pixels) used as proposals."""
        proposals = InstanceData()
        bboxes = torch.as_tensor(public.bboxes, dtype=torch.float32, device=x[0].device)
        proposals.bboxes = self.to_input_coords(bboxes.reshape(-1, 4), frame)
        scores = public.get("scores", None)
        proposals.scores = (
            torch.ones(len(bboxes), device=x[0].device)
            if scores is None
            else torch.as_tensor(scores, dtype=torch.float32, device=x[0].device).reshape(-1)
        )
        proposals.labels = torch.zeros(len(bboxes), dtype=torch.long, device=x[0].device)
        results = self.detector.roi_head.predict(x, [proposals], [frame], rescale=True)
        return results[0]

    @staticmethod
    def to_input_coords(bboxes: Tensor, frame: DetDataSample) -> Tensor:
        """Original-image x1y1x2y2 boxes ``(N, 4)`` -> network-input pixels (× ``scale_factor``)."""
        sw, sh = frame.metainfo.get("scale_factor", (1.0, 1.0))[:2]
        return bboxes * bboxes.new_tensor([sw, sh, sw, sh])

    def _preproc_stats(self, channels: int) -> tuple[Tensor, Tensor, bool]:
        """Mean, std ``(C, 1, 1)`` and channel swap applied by the data preprocessor."""
        pre = self.data_preprocessor
        if getattr(pre, "_enable_normalize", False):
            mean = pre.mean.detach().float().reshape(-1, 1, 1)
            std = pre.std.detach().float().reshape(-1, 1, 1)
        else:
            mean, std = torch.zeros(channels, 1, 1), torch.ones(channels, 1, 1)
        return mean, std, bool(getattr(pre, "_channel_conversion", False))

    def frame_image(self, img: Tensor, frame: DetDataSample) -> np.ndarray:
        """The frame as an original-size BGR uint8 image, rebuilt from the network input.

        Undoes the data preprocessor (normalisation, RGB order), removes the
        padding (``img_shape``) and resizes back to ``ori_shape``: this is
        the image camera-motion compensation works on, in the coordinates of
        the tracks.

        Args:
            img: ``(1, C, H, W)`` or ``(C, H, W)`` preprocessed image.
            frame: the frame's :class:`DetDataSample`.

        Returns:
            ``(h, w, 3)`` uint8 BGR array.
        """
        img = img.detach().float().reshape(-1, *img.shape[-2:]).cpu()
        mean, std, swapped = self._preproc_stats(img.size(0))
        img = img * std.cpu() + mean.cpu()
        if swapped:
            img = img.flip(0)
        h, w = frame.metainfo.get("img_shape", img.shape[-2:])[:2]
        img = img[:, : int(h), : int(w)]
        arr = img.clamp(0, 255).round().byte().permute(1, 2, 0).numpy()
        ori_h, ori_w = frame.metainfo.get("ori_shape", arr.shape[:2])[:2]
        if (int(ori_h), int(ori_w)) != arr.shape[:2]:
            arr = cv2.resize(arr, (int(ori_w), int(ori_h)), interpolation=cv2.INTER_LINEAR)
        return np.ascontiguousarray(arr)

    def crop_embeds(
        self,
        img: Tensor,
        bboxes: Tensor,
        frame: DetDataSample,
        img_scale: tuple[int, int] = (256, 128),
        img_norm_cfg: Optional[dict] = None,
        chunk_size: int = 64,
    ) -> Tensor:
        """ReID embeddings of box crops (MMTracking's ``crop_imgs`` + ``reid``).

        Boxes (original pixels) are scaled to the network input, clipped to
        ``img_shape`` and rounded to integer pixels; each crop is resized
        (bilinear) to ``img_scale`` and, with ``img_norm_cfg``
        (``dict(mean, std, to_rgb)``), renormalised from the data
        preprocessor's normalisation to the ReID model's. Crops go through the
        ReID model ``chunk_size`` at a time, so memory stays bounded however
        many boxes a frame has.

        Args:
            img: ``(1, C, H, W)`` preprocessed image.
            bboxes: ``(N, 4)`` x1y1x2y2 boxes in original-image pixels.
            frame: the frame's :class:`DetDataSample`.
            img_scale: ``(h, w)`` of the ReID input. Defaults to (256, 128).
            img_norm_cfg: target normalisation, or None to keep the
                detector's. Defaults to None.
            chunk_size: crops per ReID forward pass. Defaults to 64.

        Returns:
            ``(N, D)`` embeddings (``D`` the ReID head's ``out_channels``).
        """
        if not self.with_reid:
            raise ValueError(f"{type(self).__name__}: crop_embeds needs a reid model")
        bboxes = bboxes.reshape(-1, 4)
        if len(bboxes) == 0:
            out = getattr(getattr(self.reid, "head", None), "out_channels", 0)
            return img.new_zeros((0, out))
        embeds = []
        for start in range(0, len(bboxes), chunk_size):
            crops = self.crop_imgs(
                img, bboxes[start : start + chunk_size], frame, img_scale, img_norm_cfg
            )
            embeds.append(self.reid(crops, mode="tensor"))
        return torch.cat(embeds, dim=0)

    def crop_imgs(
        self,
        img: Tensor,
        bboxes: Tensor,
        frame: DetDataSample,
        img_scale: tuple[int, int] = (256, 128),
        img_norm_cfg: Optional[dict] = None,
    ) -> Tensor:
        """Crops ``(N, C, h, w)`` of the preprocessed image (see :meth:`crop_embeds`)."""
        img = img.reshape(-1, *img.shape[-3:])[:1]
        h, w = frame.metainfo.get("img_shape", img.shape[-2:])[:2]
        h, w = int(h), int(w)
        img = img[:, :, :h, :w]
        if img_norm_cfg is not None:
            img = self._renormalize(img, img_norm_cfg)
        boxes = self.to_input_coords(bboxes.detach().float().reshape(-1, 4).clone(), frame)
        boxes[:, 0::2] = boxes[:, 0::2].clamp(0, w)
        boxes[:, 1::2] = boxes[:, 1::2].clamp(0, h)
        crops = []
        for x1, y1, x2, y2 in boxes.round().long().tolist():
            x2, y2 = max(x2, x1 + 1), max(y2, y1 + 1)
            x1, y1 = min(x1, w - 1), min(y1, h - 1)
            x2, y2 = min(max(x2, x1 + 1), w), min(max(y2, y1 + 1), h)
            crop = img[:, :, y1:y2, x1:x2]
            if img_scale:
                crop = F.interpolate(
                    crop, size=tuple(img_scale), mode="bilinear", align_corners=False
                )
            crops.append(crop)
        if not crops:
            return img.new_zeros((0, img.size(1), *(img_scale or (1, 1))))
        return torch.cat(crops, dim=0)

    def _renormalize(self, img: Tensor, img_norm_cfg: dict) -> Tensor:
        mean, std, swapped = self._preproc_stats(img.size(1))
        raw = img * std.to(img.device)[None] + mean.to(img.device)[None]
        if swapped:
            raw = raw.flip(1)  # back to BGR as loaded
        if img_norm_cfg.get("to_rgb", False):
            raw = raw.flip(1)
        new_mean = img.new_tensor(img_norm_cfg["mean"]).reshape(1, -1, 1, 1)
        new_std = img.new_tensor(img_norm_cfg["std"]).reshape(1, -1, 1, 1)
        return (raw - new_mean) / new_std

    def track_frame(self, img: Tensor, frame: DetDataSample, **kwargs: Any) -> None:
        """Detect, (embed,) and track one frame; writes the predictions into ``frame``.

        Sets ``frame.pred_det_instances`` (all detections) and
        ``frame.pred_track_instances`` (``bboxes``, ``scores``, ``labels``,
        ``instances_id``), both in original-image pixels.
        """
        dets = self.detect(img, frame)
        frame.pred_det_instances = dets
        extra: dict[str, Any] = dict(kwargs)
        if self.with_reid:
            extra["embeds"] = self.crop_embeds(img, dets.bboxes, frame, **self.reid_crop_cfg)
            # trackers work on numpy: detach (no autograd history) and leave the GPU
            extra["embeds"] = extra["embeds"].detach().cpu().numpy()
        if getattr(self.tracker, "cmc", None) is not None:
            extra["img"] = self.frame_image(img, frame)
        frame.pred_track_instances = self.tracker.track(frame, **extra)

    @staticmethod
    def build_tracker(tracker: Optional[dict], **defaults: Any) -> Any:
        """Build a tracker config, filling keys it lacks from ``defaults`` (non-None ones).

        MMTracking configs put the Kalman filter or camera-motion model at the
        model level (``motion=``, ``kalman=``, ``cmc=``); the trackers here own
        them, so the model hands them over.
        """
        if tracker is None:
            return None
        cfg = dict(tracker)
        if isinstance(cfg.get("cmc", None), dict):
            cfg["cmc"] = resolve_warp_mode(dict(cfg["cmc"]))
        for key, value in defaults.items():
            if value is not None and cfg.get(key, None) is None:
                cfg[key] = value
        return MODELS.build(cfg)
