"""DFF: Deep Feature Flow for video recognition."""

from __future__ import annotations

from typing import Optional, Sequence, Union

import torch
from torch import Tensor

from mmtrack.registry import MODELS
from mmtrack.structures import TrackDataSample

from ..task_modules.motion import flow_warp_feats
from .base import BaseVideoDetector


@MODELS.register_module()
class DFF(BaseVideoDetector):
    """`DFF <https://arxiv.org/abs/1611.07715>`_ on a two-stage detector.

    Training (one reference frame per clip): the flow from the key frame to
    the reference frame (``motion``, :class:`FlowNetSimple`) warps the
    reference frame's features (:func:`flow_warp_feats`) to the key frame,
    and the detector's RPN and RoI losses are computed on the warped
    features, so that the flow network learns with the detector. On still
    images (``is_video_data`` False) the features are used unwarped (``0 *
    warped + features``, which keeps the flow network in the graph), as
    MMTracking 0.14.

    Testing (frame by frame, no reference frames): every
    ``test_cfg['key_frame_interval']``-th frame (``frame_id % interval == 0``)
    is a key frame whose image and features are kept; the features of the
    frames in between are the key frame's, warped by the flow from the
    current frame to the key frame.

    State-dict keys: ``detector.*`` and ``motion.*`` (MMTracking 0.14).

    Args:
        detector: two-stage detector config.
        motion: flow network config (``FlowNetSimple``).
        frozen_modules: sub-modules to freeze. Defaults to None.
        exact_warp: warp on the pixel-exact grid (``flow_warp_feats(...,
            exact=True)``: a zero flow is the identity) instead of
            MMTracking's (its checkpoints expect it; on small feature maps
            its ``(W - 1) / W`` shrink makes warped and unwarped features of
            the same frame differ). Defaults to False.
        train_cfg: unused (MMTracking's signature). Defaults to None.
        test_cfg: ``key_frame_interval`` (default 10). Defaults to None.
        data_preprocessor: data preprocessor config. Defaults to None.
        init_cfg: init config. Defaults to None.
    """

    def __init__(
        self,
        detector: dict,
        motion: dict,
        frozen_modules: Union[str, Sequence[str], None] = None,
        exact_warp: bool = False,
        train_cfg: Optional[dict] = None,
        test_cfg: Optional[dict] = None,
        data_preprocessor: Optional[dict] = None,
        init_cfg: Union[dict, list, None] = None,
    ) -> None:
        super().__init__(detector=detector, data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if not self.with_rpn or getattr(self.detector, "roi_head", None) is None:
            raise ValueError("DFF needs a two-stage detector (rpn_head and roi_head)")
        self.motion = MODELS.build(motion)
        self.exact_warp = bool(exact_warp)
        self.train_cfg = train_cfg
        self.test_cfg = dict(test_cfg or {})
        self.key_frame_interval = int(self.test_cfg.get("key_frame_interval", 10))
        if self.key_frame_interval < 1:
            raise ValueError(
                f"DFF: test_cfg.key_frame_interval must be >= 1, got {self.key_frame_interval}"
            )
        self.frozen_modules = frozen_modules
        if frozen_modules is not None:
            self.freeze_module(frozen_modules)
        self.memo_img: Optional[Tensor] = None
        self.memo_feats: Optional[tuple[Tensor, ...]] = None

    @staticmethod
    def is_key_frame(frame_id: int, key_frame_interval: int) -> bool:
        """Whether frame ``frame_id`` (0-based) is a key frame."""
        return frame_id % key_frame_interval == 0

    def warp(self, img: Tensor, ref_img: Tensor, ref_x: Sequence[Tensor], metas: list) -> tuple:
        """Features of ``img`` propagated from those of ``ref_img``.

        Args:
            img: ``(1, 3, H, W)`` frame to get features for.
            ref_img: ``(1, 3, H, W)`` frame whose features ``ref_x`` are known.
            ref_x: multi-level ``(1, C, H_l, W_l)`` features of ``ref_img``.
            metas: :meth:`flow_metas` of the frame.

        Returns:
            tuple of ``(1, C, H_l, W_l)`` warped features.
        """
        flow = self.motion(torch.cat((img, ref_img), dim=1), metas)
        return tuple(flow_warp_feats(f, flow, exact=self.exact_warp) for f in ref_x)

    def loss(self, inputs: Tensor, data_samples: list) -> dict[str, Tensor]:
        """Losses on the reference frame's features warped to the key frame.

        Args:
            inputs: ``(N, 2, C, H, W)`` clips (key frame and one reference).
            data_samples: one :class:`TrackDataSample` per clip, ``gt_instances``
                on the key frame.
        """
        total: dict[str, Tensor] = {}
        for i, clip in enumerate(data_samples):
            key_img, key_sample, ref_imgs, _ = self.split_clip(inputs, clip, i)
            if ref_imgs.shape[0] != 1:
                raise ValueError(
                    f"DFF.loss: a training clip needs one reference frame, got {ref_imgs.shape[0]}"
                )
            ref_x = self.detector.extract_feat(ref_imgs)
            x = self.warp(key_img, ref_imgs, ref_x, self.flow_metas(key_sample))
            if not key_sample.metainfo.get("is_video_data", True):
                x = tuple(0 * w + f for w, f in zip(x, ref_x))
            self.add_losses(total, self.detector_loss(x, key_sample), len(data_samples))
        return total

    def predict(self, inputs: Tensor, data_samples: list) -> list[TrackDataSample]:
        """Detect on the one frame of the one clip (``inputs`` ``(1, T, C, H, W)``).

        Returns:
            ``data_samples`` with ``pred_det_instances`` on the key frame
            (boxes in original-image pixels).
        """
        if len(data_samples) != 1:
            raise ValueError(f"DFF.predict: one clip per call, got {len(data_samples)}")
        img, sample, _, _ = self.split_clip(inputs, data_samples[0])
        frame_id = int(sample.metainfo.get("frame_id", -1))
        if frame_id < 0:
            raise ValueError(f"DFF.predict: the frame needs frame_id >= 0, got {frame_id}")
        if self.is_key_frame(frame_id, self.key_frame_interval) or self.memo_feats is None:
            x = self.detector.extract_feat(img)
            self.memo_img, self.memo_feats = img, tuple(x)
        else:
            x = self.warp(img, self.memo_img, self.memo_feats, self.flow_metas(sample))
        self.detector_predict(x, sample)
        return data_samples
