"""MaskTrack R-CNN meta-architecture (video instance segmentation)."""

from __future__ import annotations

from typing import Any, Optional, Union

from torch import Tensor

from mmtrack.models.mot.base import BaseMOTModel
from mmtrack.models.mot.two_stage_pair_mixin import TwoStagePairMixin
from mmtrack.registry import MODELS


@MODELS.register_module()
class MaskTrackRCNN(TwoStagePairMixin, BaseMOTModel):
    """Video instance segmentation by Mask R-CNN plus a tracking head.

    Details in `Video Instance Segmentation <https://arxiv.org/abs/1905.04804>`_
    (Yang et al., ICCV 2019). A Mask R-CNN ``detector``, a
    :class:`RoITrackHead` embedding RoIs of the detector's features and
    :class:`MaskTrackRCNNTracker` (appearance, score, IoU and class
    consistency).

    Training takes clips of a key and a reference frame (``inputs``
    ``(N, 2, C, H, W)``, :class:`TrackDataSample` with
    ``key_frames_inds``/``ref_frames_inds``; objects matched across the two
    frames by ``gt_instances.instances_id``): RPN, box and mask losses on the
    key frame and ``loss_match`` of its positive RoIs against the reference
    frame's gt objects. At test time frames come one at a time; each frame
    gets ``pred_det_instances`` and ``pred_track_instances`` (``bboxes``,
    ``scores``, ``labels``, ``instances_id``, ``masks`` ``(K, H, W)`` bool at
    the original resolution).

    State-dict keys (as MMTracking 0.14): ``detector.*`` and
    ``track_head.embed_head.*``.

    Args:
        detector: Mask R-CNN config.
        track_head: track head config (``RoITrackHead``).
        tracker: tracker config (``MaskTrackRCNNTracker``).
        data_preprocessor: data preprocessor config. Defaults to None.
        init_cfg: initialisation config. Defaults to None.
    """

    def __init__(
        self,
        detector: Optional[dict] = None,
        track_head: Optional[dict] = None,
        tracker: Optional[dict] = None,
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

    def _check(self) -> None:
        if not self.with_detector or not self._is_two_stage():
            raise ValueError("MaskTrackRCNN needs a two-stage detector (rpn_head and roi_head)")
        if not self.detector.with_mask:
            raise ValueError("MaskTrackRCNN needs a detector whose roi_head has a mask_head")
        if not self.with_track_head:
            raise ValueError("MaskTrackRCNN needs a track_head")

    def loss(self, inputs: Tensor, data_samples: list, **kwargs: Any) -> dict:
        """Detection, mask and matching losses of key/reference frame pairs.

        Args:
            inputs: ``(N, 2, C, H, W)`` clips of a key and a reference frame.
            data_samples: one :class:`TrackDataSample` per clip; frames carry
                ``gt_instances`` with ``bboxes``, ``labels``, ``masks`` and
                ``instances_id``.

        Returns:
            ``loss_rpn_cls``, ``loss_rpn_bbox``, ``loss_cls``, ``acc``,
            ``loss_bbox``, ``loss_mask``, ``loss_match`` and ``match_accuracy``.
        """
        self._check()
        key_imgs, ref_imgs, key_samples, _ = self.split_key_ref_pairs(inputs, data_samples)
        x = self.detector.extract_feat(key_imgs)
        ref_x = self.detector.extract_feat(ref_imgs)
        losses, rpn_results = self.key_frame_det_losses(x, key_samples)
        losses.update(self.track_head.loss(x, ref_x, rpn_results, data_samples))
        return losses

    def predict(self, inputs: Tensor, data_samples: list, **kwargs: Any) -> list:
        """Detect, segment, embed and track the frames of one video clip (usually one frame).

        Args:
            inputs: ``(1, T, C, H, W)`` preprocessed frames.
            data_samples: one :class:`TrackDataSample` of ``T`` frames.

        Returns:
            ``data_samples``, each frame with ``pred_det_instances`` and
            ``pred_track_instances`` in original-image pixels.
        """
        self._check()
        if not self.with_tracker:
            raise ValueError("MaskTrackRCNN: predict needs a tracker")
        for img, frame in self.iter_frames(inputs, data_samples):
            x = self.detector.extract_feat(img)
            dets = self.detect_frame(x, frame)
            frame.pred_det_instances = dets
            if len(dets.bboxes):
                embeds = self.track_head.predict(x, [self.to_input_coords(dets.bboxes, frame)])
            else:
                embeds = dets.bboxes.new_zeros((0, self.track_head.embed_head.last_layer_dim))
            frame.pred_track_instances = self.tracker.track(
                frame, embeds=embeds.detach().float().cpu().numpy(), **kwargs
            )
        return data_samples
