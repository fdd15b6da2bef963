"""Mask2Former-VIS meta-architecture (MMTracking 1.x ``Mask2Former``)."""

from __future__ import annotations

from typing import Any, Optional, Union

from torch import Tensor

from mmtrack.models.mot.base import BaseMOTModel
from mmtrack.registry import MODELS


@MODELS.register_module()
class Mask2Former(BaseMOTModel):
    """Video instance segmentation by a backbone and :class:`Mask2FormerTrackHead`.

    Details in `Mask2Former for Video Instance Segmentation
    <https://arxiv.org/abs/2112.10764>`_ (Cheng et al., 2021). No tracker:
    each video query segments one object through all the frames it sees.

    Training takes clips of ``T`` frames (``inputs`` ``(N, T, C, H, W)``,
    one :class:`TrackDataSample` per clip, e.g. the key and reference frame
    of :class:`PackTrackInputs`; objects identified across the frames by
    ``gt_instances.instances_id``); the head's Hungarian matching loss is
    over the whole clip. At test time the frames of one call are decoded
    together (the whole video with ``EntireVideoBatchSampler``, as MMTracking
    1.x tests; or one frame at a time through :func:`inference_mot`): each
    frame gets ``pred_track_instances`` (``masks`` ``(k, H, W)`` bool at
    the original resolution, ``bboxes`` x1y1x2y2 around them, ``scores``,
    ``labels``, ``instances_id``), the format of :class:`MaskTrackRCNN`.

    State-dict keys (as MMTracking 1.x): ``backbone.*`` and ``track_head.*``.

    Args:
        backbone: backbone config (e.g. ``ResNet`` with ``out_indices=(0, 1, 2, 3)``).
        track_head: :class:`Mask2FormerTrackHead` config.
        data_preprocessor: data preprocessor config. Defaults to None.
        init_cfg: initialisation config. Defaults to None.
    """

    def __init__(
        self,
        backbone: Optional[dict] = None,
        track_head: Optional[dict] = None,
        data_preprocessor: Optional[dict] = None,
        init_cfg: Union[dict, list, None] = None,
    ) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if backbone is None or track_head is None:
            raise ValueError("Mask2Former needs backbone and track_head configs")
        self.backbone = MODELS.build(backbone)
        self.track_head = MODELS.build(track_head)

    def extract_feat(self, imgs: Tensor) -> list:
        """Backbone features of ``(B, C, H, W)`` images: a list of ``(B, C_l, H_l, W_l)``."""
        return list(self.backbone(imgs))

    def loss(self, inputs: Tensor, data_samples: list, **kwargs: Any) -> dict:
        """Matching losses of clips of ``T`` frames.

        Args:
            inputs: ``(N, T, C, H, W)`` clips.
            data_samples: one :class:`TrackDataSample` of ``T`` frames per
                clip, ``gt_instances`` with ``labels``, ``masks`` and
                ``instances_id``.

        Returns:
            ``loss_cls``, ``loss_mask``, ``loss_dice`` and the
            ``d{i}.loss_*`` of the earlier decoder layers.
        """
        if inputs.dim() != 5 or data_samples is None or len(data_samples) != inputs.size(0):
            raise ValueError(
                "Mask2Former.loss: inputs must be (N, T, C, H, W) with one TrackDataSample "
                f"per clip, got shape {tuple(inputs.shape)} and "
                f"{None if data_samples is None else len(data_samples)} samples"
            )
        for i, clip in enumerate(data_samples):
            if len(clip) != inputs.size(1):
                raise ValueError(
                    f"Mask2Former.loss: clip {i} has {len(clip)} frames, inputs {inputs.size(1)}"
                )
        return self.track_head.loss(self.extract_feat(inputs.flatten(0, 1)), data_samples)

    def _video_frames(self, inputs: Tensor, data_samples: list) -> tuple[Tensor, list]:
        """``(T, C, H, W)`` frames and their ``T`` :class:`DetDataSample` of one video."""
        if inputs.dim() != 5 or data_samples is None or len(data_samples) != inputs.size(0):
            raise ValueError(
                "Mask2Former.predict: inputs must be (N, T, C, H, W) with one TrackDataSample "
                f"per item, got shape {tuple(inputs.shape)} and "
                f"{None if data_samples is None else len(data_samples)} samples"
            )
        if inputs.size(0) == 1:
            frames = [data_samples[0][t] for t in range(len(data_samples[0]))]
            if len(frames) != inputs.size(1):
                raise ValueError(
                    f"Mask2Former.predict: {inputs.size(1)} frames in inputs but "
                    f"{len(frames)} in the data sample"
                )
            return inputs[0], frames
        # EntireVideoBatchSampler: one item per frame of the same video
        if inputs.size(1) != 1:
            raise ValueError(
                "Mask2Former.predict decodes one video per call: got "
                f"{inputs.size(0)} clips of {inputs.size(1)} frames"
            )
        frames = [s[0] for s in data_samples]
        videos = {f.metainfo.get("video_id", None) for f in frames}
        if len(videos) > 1:
            raise ValueError(
                f"Mask2Former.predict: a batch must hold frames of one video, got videos {videos}"
            )
        return inputs[:, 0], frames

    def predict(self, inputs: Tensor, data_samples: list, rescale: bool = True, **kwargs: Any):
        """Segment the instances of the frames given (one video).

        Args:
            inputs: ``(1, T, C, H, W)`` frames of one video, or ``(T, 1, C, H, W)``
                (one item per frame, as ``EntireVideoBatchSampler`` batches them).
            data_samples: the matching :class:`TrackDataSample` list.
            rescale: masks at the original resolution. Defaults to True.

        Returns:
            ``data_samples``, every frame with ``pred_track_instances``.
        """
        imgs, frames = self._video_frames(inputs, data_samples)
        results = self.track_head.predict(self.extract_feat(imgs), frames, rescale=rescale)
        for frame, res in zip(frames, results):
            frame.pred_track_instances = res
        return data_samples

    def _forward(self, inputs: Tensor, data_samples: Optional[list] = None, **kwargs: Any):
        """Every decoder layer's class and mask logits of ``(N, T, C, H, W)`` clips."""
        if data_samples is None:
            data_samples = [None] * inputs.size(0)
        return self.track_head(self.extract_feat(inputs.flatten(0, 1)), data_samples)
