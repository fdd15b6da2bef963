"""Tracktor meta-architecture."""

from __future__ import annotations

import copy
from typing import Any, Optional, Union

import numpy as np
import torch
from mmengine.structures import InstanceData
from torch import Tensor

from mmtrack.models.task_modules.motion import CameraMotionCompensation, LinearMotion
from mmtrack.registry import MODELS, TASK_UTILS
from mmtrack.structures import DetDataSample

from .base import BaseMOTModel, resolve_warp_mode


@MODELS.register_module()
class Tracktor(BaseMOTModel):
    """Tracking without bells and whistles.

    Details in `Tracktor <https://arxiv.org/abs/1903.05625>`_. A two-stage
    detector whose RoI head also regresses the boxes of the previous frame's
    tracks into the current frame, ``TracktorTracker``, optional motion
    models (``CameraMotionCompensation`` and/or ``LinearMotion``) and an
    optional ReID model re-identifying inactive tracks.

    With public detections (``public_instances``) the RoI head re-scores and
    refines them in place of the RPN proposals, as MMTracking 0.14. In
    ``loss`` mode the detector is trained.

    Args:
        detector: two-stage detector config (with ``rpn_head`` and ``roi_head``).
        reid: ReID model config, or None. Defaults to None.
        tracker: tracker config (``TracktorTracker``). Defaults to None.
        motion: one motion config or a list of them
            (``CameraMotionCompensation``, ``LinearMotion``). Defaults to None.
        pretrains: deprecated MMTracking 0.x ``dict(detector=path, reid=path)``,
            turned into the sub-models' ``init_cfg``. Defaults to None.
        data_preprocessor: data preprocessor config. Defaults to None.
        init_cfg: initialisation config. Defaults to None.
    """

    def __init__(
        self,
        detector: Optional[dict] = None,
        reid: Optional[dict] = None,
        tracker: Optional[dict] = None,
        motion: Union[dict, list, None] = None,
        pretrains: Optional[dict] = None,
        data_preprocessor: Optional[dict] = None,
        init_cfg: Union[dict, list, None] = None,
    ) -> None:
        if isinstance(pretrains, dict):
            detector, reid = copy.deepcopy(detector), copy.deepcopy(reid)
            for sub, key in ((detector, "detector"), (reid, "reid")):
                if sub is not None and pretrains.get(key):
                    sub["init_cfg"] = dict(type="Pretrained", checkpoint=pretrains[key])
        # the tracker is built below without the model-level motion models
        super().__init__(
            detector=detector, reid=reid, data_preprocessor=data_preprocessor, init_cfg=init_cfg
        )
        self.reid_crop_cfg = self.resolve_reid_crop_cfg(None, tracker)
        self.cmc: Optional[CameraMotionCompensation] = None
        self.linear_motion: Optional[LinearMotion] = None
        motions = [] if motion is None else motion if isinstance(motion, list) else [motion]
        built = []
        for cfg in motions:
            m = TASK_UTILS.build(resolve_warp_mode(dict(cfg))) if isinstance(cfg, dict) else cfg
            if isinstance(m, CameraMotionCompensation):
                self.cmc = m
            elif isinstance(m, LinearMotion):
                self.linear_motion = m
            else:
                raise TypeError(
                    f"Tracktor: motion must be CameraMotionCompensation or LinearMotion, "
                    f"got {type(m).__name__}"
                )
            built.append(m)
        self.motion = built or None
        self.tracker = MODELS.build(tracker) if tracker is not None else None

    @property
    def with_cmc(self) -> bool:
        """Whether camera motion is compensated."""
        return self.cmc is not None

    @property
    def with_linear_motion(self) -> bool:
        """Whether tracks move by a linear motion model."""
        return self.linear_motion is not None

    def _check_two_stage(self) -> None:
        if not self.with_detector or not self._is_two_stage():
            raise ValueError(
                "Tracktor needs a two-stage detector (with rpn_head and roi_head) to "
                "regress the tracks"
            )

    def _detect(self, x: tuple[Tensor, ...], frame: DetDataSample) -> InstanceData:
        public = frame.get("public_instances", None)
        if public is not None:
            return self._refine_proposals(x, public, frame)
        rpn_results = self.detector.rpn_head.predict(x, [frame], rescale=False)
        return self.detector.roi_head.predict(x, rpn_results, [frame], rescale=True)[0]

    def _regress_fn(self, x: tuple[Tensor, ...], frame: DetDataSample) -> Any:
        """The tracker's ``regress(boxes, labels)``: RoI-head boxes/scores of each track's class."""
        roi_head = self.detector.roi_head

        def regress(boxes: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            dev = x[0].device
            props = InstanceData()
            props.bboxes = self.to_input_coords(
                torch.as_tensor(boxes, dtype=torch.float32, device=dev), frame
            )
            res = roi_head.predict_bbox(x, [frame.metainfo], [props], None, rescale=True)[0]
            bboxes, scores = res.bboxes, res.scores
            k = len(boxes)
            lab = torch.as_tensor(labels, dtype=torch.long, device=dev)
            if bboxes.size(-1) > 4:
                bboxes = bboxes.view(k, -1, 4)[torch.arange(k, device=dev), lab]
            if scores.dim() == 2:
                scores = scores[torch.arange(k, device=dev), lab]
            return bboxes.detach().cpu().numpy(), scores.detach().cpu().numpy()

        return regress

    def predict(self, inputs: Tensor, data_samples: list, **kwargs: Any) -> list:
        """Track the frames of one video clip (usually one frame).

        Args:
            inputs: ``(1, T, C, H, W)`` preprocessed frames.
            data_samples: one :class:`TrackDataSample` of ``T`` frames.

        Returns:
            ``data_samples``, each frame with ``pred_det_instances`` and
            ``pred_track_instances`` in original-image pixels.
        """
        self._check_two_stage()
        if not self.with_tracker:
            raise ValueError("Tracktor: predict needs a tracker")
        for img, frame in self.iter_frames(inputs, data_samples):
            x = self.detector.extract_feat(img)
            dets = self._detect(x, frame)
            frame.pred_det_instances = dets
            extra: dict[str, Any] = dict(kwargs)
            extra["regress"] = self._regress_fn(x, frame)
            if self.with_reid and getattr(self.tracker, "with_reid", False):

                def embed(boxes: np.ndarray, img: Tensor = img, frame: DetDataSample = frame):
                    b = torch.as_tensor(boxes, dtype=torch.float32, device=img.device)
                    out = self.crop_embeds(img, b, frame, **self.reid_crop_cfg)
                    return out.detach().cpu().numpy()

                extra["embed"] = embed
            if self.with_cmc:
                extra["img"] = self.frame_image(img, frame)
                extra["cmc"] = self.cmc
            extra["linear_motion"] = self.linear_motion
            frame.pred_track_instances = self.tracker.track(frame, **extra)
        return data_samples
