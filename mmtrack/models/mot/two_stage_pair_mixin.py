"""Key/reference pair training and per-frame detection of two-stage tracking models."""

from __future__ import annotations

import copy
from typing import Any

import torch
from mmengine.structures import InstanceData
from torch import Tensor


class TwoStagePairMixin:
    """Shared code of QDTrack and MaskTrack R-CNN (two-stage detector + track head).

    The class using it is a :class:`BaseMOTModel` with a two-stage
    ``detector`` (``rpn_head`` and ``roi_head``).
    """

    detector: Any

    def split_key_ref_pairs(self, inputs: Tensor, data_samples: list) -> tuple:
        """Split ``(N, 2, C, H, W)`` clips into key and reference frames.

        Args:
            inputs: ``(N, 2, C, H, W)`` clips of a key and a reference frame.
            data_samples: one :class:`TrackDataSample` per clip with one
                ``key_frames_inds`` and one ``ref_frames_inds`` entry
                (default ``[0]`` / ``[1]``).

        Returns:
            ``(key_imgs, ref_imgs, key_samples, ref_samples)``: two
            ``(N, C, H, W)`` batches and their :class:`DetDataSample` lists.

        Raises:
            ValueError: ``inputs`` is not of that shape, or a clip has not
                exactly one key and one reference frame.
        """
        name = type(self).__name__
        if inputs.dim() != 5 or inputs.size(1) != 2:
            raise ValueError(
                f"{name}.loss: inputs must be (N, 2, C, H, W) key/reference clips, "
                f"got shape {tuple(inputs.shape)}"
            )
        key_inds, ref_inds, key_samples, ref_samples = [], [], [], []
        for clip in data_samples:
            keys = list(clip.metainfo.get("key_frames_inds", [0]))
            refs = list(clip.metainfo.get("ref_frames_inds", [1]))
            if len(keys) != 1 or len(refs) != 1:
                raise ValueError(
                    f"{name}.loss: each clip needs one key and one reference frame, got "
                    f"key_frames_inds={keys}, ref_frames_inds={refs}"
                )
            key_inds.append(keys[0])
            ref_inds.append(refs[0])
            key_samples.append(clip.video_data_samples[int(keys[0])])
            ref_samples.append(clip.video_data_samples[int(refs[0])])
        batch = torch.arange(len(inputs), device=inputs.device)
        key_imgs = inputs[batch, torch.as_tensor(key_inds, device=inputs.device)].contiguous()
        ref_imgs = inputs[batch, torch.as_tensor(ref_inds, device=inputs.device)].contiguous()
        return key_imgs, ref_imgs, key_samples, ref_samples

    def key_frame_det_losses(self, x: tuple, key_samples: list) -> tuple[dict, list]:
        """RPN (class-agnostic targets) and RoI-head losses of the key frames.

        Args:
            x: the detector's multi-level features of the key frames.
            key_samples: their :class:`DetDataSample` with ``gt_instances``
                (left unchanged: the RPN trains on a copy with labels 0).

        Returns:
            ``(losses, rpn_results)``: the RPN's losses (prefixed ``rpn_``
            when not already) followed by the RoI head's, and the proposals
            of each key frame (``rpn_proposal`` train cfg, else the test cfg's
            ``rpn``).
        """
        rpn_samples = copy.deepcopy(key_samples)
        for s in rpn_samples:
            s.gt_instances.labels = torch.zeros_like(s.gt_instances.labels)
        train_cfg = self.detector.train_cfg or {}
        test_cfg = self.detector.test_cfg or {}
        proposal_cfg = train_cfg.get("rpn_proposal", test_cfg.get("rpn", None))
        rpn_losses, rpn_results = self.detector.rpn_head.loss_and_predict(
            x, rpn_samples, proposal_cfg=proposal_cfg
        )
        losses: dict[str, Tensor] = {}
        for key in list(rpn_losses):
            if "loss" in key and "rpn" not in key:
                rpn_losses[f"rpn_{key}"] = rpn_losses.pop(key)
        losses.update(rpn_losses)
        losses.update(self.detector.roi_head.loss(x, rpn_results, key_samples))
        return losses, rpn_results

    def detect_frame(self, x: tuple, frame: Any) -> InstanceData:
        """RPN proposals and RoI-head detections of one frame, in original-image pixels.

        Args:
            x: the detector's multi-level features of the frame.
            frame: its :class:`DetDataSample`.

        Returns:
            The RoI head's :class:`InstanceData` (``bboxes`` ``(K, 4)``
            x1y1x2y2, ``scores``, ``labels`` and, with a mask head, ``masks``).
        """
        rpn_results = self.detector.rpn_head.predict(x, [frame], rescale=False)
        return self.detector.roi_head.predict(x, rpn_results, [frame], rescale=True)[0]
