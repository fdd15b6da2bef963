"""QDTrack meta-architecture."""

from __future__ import annotations

from typing import Any, Optional, Union

from torch import Tensor

from mmtrack.registry import MODELS

from .base import BaseMOTModel
from .two_stage_pair_mixin import TwoStagePairMixin


@MODELS.register_module()
class QDTrack(TwoStagePairMixin, BaseMOTModel):
    """Quasi-dense similarity learning for multiple object tracking.

    Details in `QDTrack <https://arxiv.org/abs/2006.06664>`_. A two-stage
    detector, a :class:`QuasiDenseTrackHead` embedding RoIs of the
    detector's features, and ``QuasiDenseTracker`` (bi-softmax matching of
    the embeddings).

    Training takes clips of a key and a reference frame (``inputs``
    ``(N, 2, C, H, W)``, :class:`TrackDataSample` with
    ``key_frames_inds``/``ref_frames_inds``; objects matched across the two
    frames by ``gt_instances.instances_id``): RPN and RoI-head losses on
    the key frame plus the tracking losses on both.

    Args:
        detector: two-stage detector config.
        track_head: track head config (``QuasiDenseTrackHead``).
        tracker: tracker config (``QuasiDenseTracker``).
        freeze_detector: freeze the detector's weights. Defaults to False.
        data_preprocessor: data preprocessor config. Defaults to None.
        init_cfg: initialisation config. Defaults to None.
    """

    def __init__(
        self,
        detector: Optional[dict] = None,
        track_head: Optional[dict] = None,
        tracker: Optional[dict] = None,
        freeze_detector: bool = False,
        data_preprocessor: Optional[dict] = None,
        init_cfg: Union[dict, list, None] = None,
    ) -> None:
        super().__init__(
            detector=detector,
            tracker=tracker,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg,
        )
        if track_head is not None:
            self.track_head = MODELS.build(track_head)
        self.freeze_detector = freeze_detector
        if freeze_detector:
            self.freeze_module("detector")

    def _check_two_stage(self) -> None:
        if not self.with_detector or not self._is_two_stage():
            raise ValueError("QDTrack needs a two-stage detector (rpn_head and roi_head)")
        if not self.with_track_head:
            raise ValueError("QDTrack needs a track_head")

    def loss(self, inputs: Tensor, data_samples: list, **kwargs: Any) -> dict:
        """Detection and tracking losses of key/reference frame pairs.

        Args:
            inputs: ``(N, 2, C, H, W)`` clips of a key and a reference frame.
            data_samples: one :class:`TrackDataSample` per clip.

        Returns:
            Dict of losses: the RPN's (prefixed ``rpn_`` when not already),
            the RoI head's and ``loss_track``/``loss_track_aux``.
        """
        self._check_two_stage()
        key_imgs, ref_imgs, key_samples, ref_samples = self.split_key_ref_pairs(
            inputs, data_samples
        )
        x = self.detector.extract_feat(key_imgs)
        ref_x = self.detector.extract_feat(ref_imgs)
        losses, rpn_results = self.key_frame_det_losses(x, key_samples)
        ref_rpn_results = self.detector.rpn_head.predict(ref_x, ref_samples, rescale=False)
        losses.update(
            self.track_head.loss(x, ref_x, rpn_results, ref_rpn_results, data_samples, **kwargs)
        )
        return losses

    def predict(self, inputs: Tensor, data_samples: list, **kwargs: Any) -> list:
        """Detect, embed and track the frames of one video clip (usually one frame).

        Args:
            inputs: ``(1, T, C, H, W)`` preprocessed frames.
            data_samples: one :class:`TrackDataSample` of ``T`` frames.

        Returns:
            ``data_samples``, each frame with ``pred_det_instances`` and
            ``pred_track_instances`` in original-image pixels.
        """
        self._check_two_stage()
        if not self.with_tracker:
            raise ValueError("QDTrack: predict needs a tracker")
        for img, frame in self.iter_frames(inputs, data_samples):
            x = self.detector.extract_feat(img)
            public = frame.get("public_instances", None)
            if public is not None:
                dets = self._refine_proposals(x, public, frame)
            else:
                dets = self.detect_frame(x, frame)
            frame.pred_det_instances = dets
            if len(dets.bboxes):
                embeds = self.track_head.predict(x, [self.to_input_coords(dets.bboxes, frame)])
            else:
                embeds = dets.bboxes.new_zeros((0, self.track_head.embed_head.embed_channels))
            frame.pred_track_instances = self.tracker.track(
                frame, embeds=embeds.detach().cpu().numpy(), **kwargs
            )
        return data_samples
