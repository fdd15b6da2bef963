"""Base class of the video object detectors (DFF, FGFA, SELSA, Temporal RoI Align)."""

from __future__ import annotations

from typing import Any, Optional, Sequence, Union

import torch
from mmengine.model import BaseModel
from torch import Tensor

from mmtrack.registry import MODELS
from mmtrack.structures import DetDataSample, TrackDataSample

from ..detectors.two_stage import _rpn_samples


@MODELS.register_module()
class BaseVideoDetector(BaseModel):
    """Shared machinery of the video object detectors (mmengine ``BaseModel``).

    Every call receives clips: ``inputs`` ``(N, T, C, H, W)`` and one
    :class:`TrackDataSample` per clip whose metainfo ``key_frames_inds`` /
    ``ref_frames_inds`` say which frame is the key frame (one per clip) and
    which are reference frames. Training clips carry ``gt_instances`` on the
    key frame (reference frames' boxes are not used by the losses, as in
    MMTracking 0.14). At test time each call holds one key frame and the
    reference frames sent with it (see :func:`mmtrack.apis.inference_vid` and
    :func:`mmtrack.datasets.ref_img_sampling.sample_ref_frames`); the model
    keeps its own memory across the frames of a video and resets it on
    ``frame_id == 0``. ``predict`` writes ``pred_det_instances`` (boxes
    x1y1x2y2 in original-image pixels, ``scores``, ``labels``) on the key
    frame.

    State-dict keys: ``detector.*`` (plus the sub-class's own modules).

    Args:
        detector: detector config (a two-stage detector for FGFA/SELSA).
        frozen_modules: attribute name(s) of sub-modules to freeze (eval mode,
            no gradients). Defaults to None.
        data_preprocessor: data preprocessor config. Defaults to None.
        init_cfg: init config. Defaults to None.
    """

    def __init__(
        self,
        detector: dict,
        frozen_modules: Union[str, Sequence[str], None] = None,
        data_preprocessor: Optional[dict] = None,
        init_cfg: Union[dict, list, None] = None,
    ) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.detector = MODELS.build(detector)
        self.frozen_modules = frozen_modules
        if frozen_modules is not None:
            self.freeze_module(frozen_modules)

    def freeze_module(self, module: Union[str, Sequence[str]]) -> None:
        """Put sub-modules in eval mode and stop their gradients.

        Args:
            module: attribute name(s), e.g. ``'motion'``.

        Raises:
            AttributeError: when the model has no such sub-module.
        """
        names = [module] if isinstance(module, str) else list(module)
        for name in names:
            sub = getattr(self, name, None)
            if not isinstance(sub, torch.nn.Module):
                raise AttributeError(f"{type(self).__name__}.freeze_module: no sub-module {name!r}")
            sub.eval()
            for param in sub.parameters():
                param.requires_grad = False

    def train(self, mode: bool = True) -> BaseVideoDetector:
        """Train mode, frozen modules kept in eval mode."""
        super().train(mode)
        if mode and self.frozen_modules is not None:
            names = (
                [self.frozen_modules]
                if isinstance(self.frozen_modules, str)
                else self.frozen_modules
            )
            for name in names:
                getattr(self, name).eval()
        return self

    @property
    def with_rpn(self) -> bool:
        """Whether the detector has an RPN head."""
        return getattr(self.detector, "rpn_head", None) is not None

    # ------------------------------------------------------------------ dispatch
    def forward(
        self, inputs: Tensor, data_samples: Optional[list] = None, mode: str = "predict"
    ) -> Any:
        """``'loss'``, ``'predict'`` or ``'tensor'`` on ``(N, T, C, H, W)`` clips."""
        if inputs.dim() != 5:
            raise ValueError(
                f"{type(self).__name__}: inputs must be (N, T, C, H, W) clips, "
                f"got shape {tuple(inputs.shape)}"
            )
        if mode == "loss":
            return self.loss(inputs, data_samples)
        if mode == "predict":
            return self.predict(inputs, data_samples)
        if mode == "tensor":
            return self.detector(inputs[:, 0], None, mode="tensor")
        raise ValueError(
            f"{type(self).__name__}.forward: mode must be 'loss', 'predict' or 'tensor', "
            f"got {mode!r}"
        )

    def loss(self, inputs: Tensor, data_samples: list) -> dict[str, Tensor]:
        """Losses of a batch of clips (sub-classes)."""
        raise NotImplementedError(f"{type(self).__name__} has no loss")

    def predict(self, inputs: Tensor, data_samples: list) -> list[TrackDataSample]:
        """Detections on the key frame (sub-classes)."""
        raise NotImplementedError(f"{type(self).__name__} has no predict")

    # ------------------------------------------------------------------- helpers
    @staticmethod
    def split_clip(
        inputs: Tensor, clip: TrackDataSample, index: int = 0
    ) -> tuple[Tensor, DetDataSample, Tensor, list[DetDataSample]]:
        """Key image and sample, reference images and samples of clip ``index``.

        Args:
            inputs: ``(N, T, C, H, W)`` clips.
            clip: the clip's :class:`TrackDataSample`.
            index: the clip's position in ``inputs``. Defaults to 0.

        Returns:
            ``(1, C, H, W)`` key image, its sample, ``(R, C, H, W)`` reference
            images (``R`` may be 0) and their samples.

        Raises:
            ValueError: when the clip has not exactly one key frame.
        """
        keys = list(clip.metainfo.get("key_frames_inds", [0]) or [0])
        if len(keys) != 1:
            raise ValueError(
                f"video detectors need one key frame per clip, got key_frames_inds={keys}"
            )
        refs = list(clip.metainfo.get("ref_frames_inds", []))
        key_img = inputs[index, keys[0]].unsqueeze(0)
        ref_imgs = inputs[index, refs] if refs else inputs.new_zeros((0, *inputs.shape[2:]))
        return key_img, clip[keys[0]], ref_imgs, [clip[r] for r in refs]

    def detector_loss(self, x: Sequence[Tensor], key_sample: DetDataSample) -> dict[str, Tensor]:
        """RPN (``loss_rpn_*``) and RoI losses of a two-stage detector on given features.

        Args:
            x: multi-level ``(1, C, H_l, W_l)`` features of the key frame
                (propagated or aggregated by the sub-class).
            key_sample: the key frame's sample with ``gt_instances``.
        """
        det = self.detector
        losses: dict[str, Tensor] = {}
        proposal_cfg = (det.train_cfg or {}).get("rpn_proposal", det.test_cfg.get("rpn"))
        rpn_losses, proposals = det.rpn_head.loss_and_predict(
            tuple(x), _rpn_samples([key_sample]), proposal_cfg=proposal_cfg
        )
        for key in list(rpn_losses):
            if "loss" in key and "rpn" not in key:
                rpn_losses[f"rpn_{key}"] = rpn_losses.pop(key)
        losses.update(rpn_losses)
        losses.update(det.roi_head.loss(tuple(x), proposals, [key_sample]))
        return losses

    def detector_predict(self, x: Sequence[Tensor], key_sample: DetDataSample) -> None:
        """Detect with a two-stage detector on given features; writes
        ``pred_det_instances`` (boxes in original-image pixels) on ``key_sample``."""
        det = self.detector
        proposals = det.rpn_head.predict(tuple(x), [key_sample], rescale=False)
        pred = det.roi_head.predict(tuple(x), proposals, [key_sample], rescale=True)[0]
        self.write_pred(key_sample, pred)

    @staticmethod
    def add_losses(total: dict, losses: dict, num_clips: int) -> None:
        """Add a clip's losses (lists summed) into ``total``, averaged over ``num_clips``."""
        for key, value in losses.items():
            if isinstance(value, (list, tuple)):
                value = sum(value)
            total[key] = total.get(key, 0) + value / num_clips

    def flow_metas(self, sample: DetDataSample) -> list[dict]:
        """Image metas of a frame for :class:`FlowNetSimple` (``img_shape`` and
        ``img_norm_cfg``, the data preprocessor's ``mean``/``std``; 0 and 1 when
        it does not normalise)."""
        pre = self.data_preprocessor
        if getattr(pre, "_enable_normalize", False) and hasattr(pre, "mean"):
            mean = pre.mean.flatten().tolist()
            std = pre.std.flatten().tolist()
        else:
            mean, std = [0.0, 0.0, 0.0], [1.0, 1.0, 1.0]
        shape = sample.metainfo.get("img_shape")
        if shape is None:
            raise KeyError(f"{type(self).__name__}: the frame's metainfo has no 'img_shape'")
        return [dict(img_shape=tuple(shape[:2]), img_norm_cfg=dict(mean=mean, std=std))]

    @staticmethod
    def write_pred(key_sample: DetDataSample, pred: Any) -> None:
        """Store the key frame's detections as ``pred_det_instances``."""
        key_sample.pred_det_instances = pred
        if "pred_instances" in key_sample:
            del key_sample.pred_instances
