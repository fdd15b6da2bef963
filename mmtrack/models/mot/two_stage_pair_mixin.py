"""Key/reference pair training and per-frame detection of two-stage tracking models."""

from __future__ import annotations

import copy
from typing import Any

import torch
from mmengine.structures import InstanceData
from torch import Tensor


def _describe_clip(index: int, clip: Any) -> str:
    """``clip <index>`` plus the video and first frame's path when the frames know them."""
    frames = list(getattr(clip, "video_data_samples", []) or [])
    meta = frames[0].metainfo if frames else {}
    known = [f"{k}={meta[k]!r}" for k in ("video_id", "img_path") if k in meta]
    return f"clip {index}" + (f" ({', '.join(known)})" if known else "")


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
            data_samples: one :class:`TrackDataSample` per clip whose
                metainfo has one ``key_frames_inds`` and one
                ``ref_frames_inds`` entry (as :class:`PackTrackInputs` sets).

        Returns:
            ``(key_imgs, ref_imgs, key_samples, ref_samples)``: two
            ``(N, C, H, W)`` batches and their :class:`DetDataSample` lists.

        Raises:
            KeyError: a clip's metainfo lacks ``key_frames_inds`` or
                ``ref_frames_inds`` (named with the clip's video and frame).
            ValueError: ``inputs`` is not of that shape, or a clip has not
                exactly one key and one reference frame, or an index is out
                of the clip's range.
        """
        name = type(self).__name__
        if inputs.dim() != 5 or inputs.size(1) != 2:
            raise ValueError(
                f"{name}.loss: inputs must be (N, 2, C, H, W) key/reference clips, "
                f"got shape {tuple(inputs.shape)}"
            )
        key_inds, ref_inds, key_samples, ref_samples = [], [], [], []
        for i, clip in enumerate(data_samples):
            for field in ("key_frames_inds", "ref_frames_inds"):
                if field not in clip.metainfo:
                    raise KeyError(
                        f"{name}.loss: {_describe_clip(i, clip)} has no metainfo "
                        f"'{field}' (pack training clips with PackTrackInputs, which "
                        f"sets key_frames_inds/ref_frames_inds)"
                    )
            keys = list(clip.metainfo["key_frames_inds"])
            refs = list(clip.metainfo["ref_frames_inds"])
            if len(keys) != 1 or len(refs) != 1:
                raise ValueError(
                    f"{name}.loss: each clip needs one key and one reference frame, got "
                    f"key_frames_inds={keys}, ref_frames_inds={refs} in {_describe_clip(i, clip)}"
                )
            num_frames = len(clip.video_data_samples)
            for field, ind in (("key_frames_inds", keys[0]), ("ref_frames_inds", refs[0])):
                if not 0 <= int(ind) < num_frames:
                    raise ValueError(
                        f"{name}.loss: {field}={[int(ind)]} is out of range for "
                        f"{_describe_clip(i, clip)} of {num_frames} frames"
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
