"""SELSA: Sequence Level Semantics Aggregation for video object detection."""

from __future__ import annotations

from typing import Optional, Sequence, Union

import torch
from mmengine.structures import InstanceData
from torch import Tensor

from mmtrack.registry import MODELS
from mmtrack.structures import DetDataSample, TrackDataSample

from ..detectors.two_stage import _rpn_samples
from .base import BaseVideoDetector


@MODELS.register_module()
class SELSA(BaseVideoDetector):
    """`SELSA <https://arxiv.org/abs/1907.06390>`_ on a two-stage detector.

    Training (one clip at a time, losses averaged over the clips): the key
    frame and its reference frames go through the backbone together; the RPN
    is trained on the key frame; the reference proposals (``rpn_proposal``
    settings, no gradient to the RPN) and the key frame's sampled proposals
    go to :class:`SelsaRoIHead`, whose box head aggregates the reference
    proposals' features into the key ones.

    Testing: a memory of reference features and proposals is kept per video.
    On ``frame_id == 0`` it is reset to the frames sent with the key frame
    (global sampling: ``test_with_adaptive_stride`` sends frames spread
    over the whole video; ``test_with_fix_stride`` and
    :func:`mmtrack.apis.inference_vid` send the first window); later frames
    that come with reference frames push them into the memory and drop as
    many of the oldest (a ring buffer). The key frame is detected against the
    memory plus itself, as MMTracking 0.14.

    State-dict keys: ``detector.*`` (MMTracking 0.14:
    ``detector.roi_head.bbox_head.aggregator.{i}.*``).

    Args:
        detector: two-stage detector config with :class:`SelsaRoIHead`.
        frozen_modules: sub-modules to freeze. Defaults to None.
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
        super().__init__(
            detector=detector,
            frozen_modules=frozen_modules,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg,
        )
        if not self.with_rpn or getattr(self.detector, "roi_head", None) is None:
            raise ValueError("SELSA needs a two-stage detector (rpn_head and roi_head)")
        self.memo_feats: list[Tensor] = []
        self.memo_proposals: list[InstanceData] = []

    # ------------------------------------------------------------------ training
    def _ref_proposals(self, ref_x: Sequence[Tensor], ref_samples: list) -> list[InstanceData]:
        """Proposals (input pixels) of each reference frame, without gradient."""
        train_cfg = self.detector.train_cfg or {}
        test_cfg = self.detector.test_cfg or {}
        cfg = train_cfg.get("rpn_proposal", test_cfg.get("rpn")) if self.training else None
        cfg = cfg if cfg is not None else test_cfg.get("rpn")
        metas = [s.metainfo for s in ref_samples]
        with torch.no_grad():
            outs = self.detector.rpn_head(tuple(f.detach() for f in ref_x))
            return self.detector.rpn_head.predict_by_feat(
                *outs, batch_img_metas=metas, cfg=cfg, rescale=False
            )

    def loss(self, inputs: Tensor, data_samples: list) -> dict[str, Tensor]:
        """RPN losses of the key frames and SELSA RoI losses, averaged over clips.

        Args:
            inputs: ``(N, T, C, H, W)`` clips (key frame and ``T - 1`` references).
            data_samples: one :class:`TrackDataSample` per clip, ``gt_instances``
                on the key frame.
        """
        total: dict[str, Tensor] = {}
        for i, clip in enumerate(data_samples):
            key_img, key_sample, ref_imgs, ref_samples = self.split_clip(inputs, clip, i)
            if len(ref_samples) == 0:
                raise ValueError("SELSA.loss: a training clip needs reference frames")
            all_x = self.detector.extract_feat(torch.cat((key_img, ref_imgs), dim=0))
            x = tuple(f[:1] for f in all_x)
            ref_x = tuple(f[1:] for f in all_x)
            losses: dict[str, Tensor] = {}
            train_cfg = self.detector.train_cfg or {}
            proposal_cfg = train_cfg.get("rpn_proposal", self.detector.test_cfg.get("rpn"))
            rpn_losses, proposals = self.detector.rpn_head.loss_and_predict(
                x, _rpn_samples([key_sample]), proposal_cfg=proposal_cfg
            )
            for key in list(rpn_losses):
                if "loss" in key and "rpn" not in key:
                    rpn_losses[f"rpn_{key}"] = rpn_losses.pop(key)
            losses.update(rpn_losses)
            ref_proposals = self._ref_proposals(ref_x, ref_samples)
            losses.update(
                self.detector.roi_head.loss(x, ref_x, proposals, ref_proposals, [key_sample])
            )
            for key, value in losses.items():
                if isinstance(value, (list, tuple)):
                    value = sum(value)
                total[key] = total.get(key, 0) + value / len(data_samples)
        return total

    # ------------------------------------------------------------------- testing
    def _update_memory(
        self, key_sample: DetDataSample, ref_imgs: Tensor, ref_samples: list
    ) -> None:
        """Reset (frame 0) or roll the memory with the reference frames sent."""
        frame_id = int(key_sample.metainfo.get("frame_id", -1))
        if frame_id < 0:
            raise ValueError(f"SELSA.predict: the key frame needs frame_id >= 0, got {frame_id}")
        if frame_id == 0:
            self.memo_feats, self.memo_proposals = [], []
        if len(ref_samples) == 0:
            return
        ref_x = self.detector.extract_feat(ref_imgs)
        ref_proposals = self._ref_proposals(ref_x, ref_samples)
        if not self.memo_feats:
            self.memo_feats = list(ref_x)
            self.memo_proposals = list(ref_proposals)
            return
        drop = min(len(ref_samples), len(self.memo_proposals))
        self.memo_feats = [torch.cat((m, r), dim=0)[drop:] for m, r in zip(self.memo_feats, ref_x)]
        self.memo_proposals = (self.memo_proposals + list(ref_proposals))[drop:]

    def predict(self, inputs: Tensor, data_samples: list) -> list[TrackDataSample]:
        """Detect on the key frame of the one clip (``inputs`` ``(1, T, C, H, W)``).

        Returns:
            ``data_samples`` with ``pred_det_instances`` on the key frame
            (boxes in original-image pixels).
        """
        if len(data_samples) != 1:
            raise ValueError(f"SELSA.predict: one clip per call, got {len(data_samples)}")
        key_img, key_sample, ref_imgs, ref_samples = self.split_clip(inputs, data_samples[0])
        self._update_memory(key_sample, ref_imgs, ref_samples)
        x = self.detector.extract_feat(key_img)
        proposals = self.detector.rpn_head.predict(x, [key_sample], rescale=False)
        if self.memo_feats:
            ref_x = tuple(torch.cat((m, f), dim=0) for m, f in zip(self.memo_feats, x))
        else:
            ref_x = tuple(x)
        ref_proposals = self.memo_proposals + list(proposals)
        pred = self.detector.roi_head.predict(
            x, ref_x, proposals, ref_proposals, [key_sample], rescale=True
        )[0]
        self.write_pred(key_sample, pred)
        return data_samples
