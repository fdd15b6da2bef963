"""FGFA: Flow-Guided Feature Aggregation for video object detection."""

from __future__ import annotations

from typing import Optional, Sequence, Union

import torch
from torch import Tensor

from mmtrack.registry import MODELS
from mmtrack.structures import DetDataSample, TrackDataSample

from ..task_modules.motion import flow_warp_feats
from .base import BaseVideoDetector


@MODELS.register_module()
class FGFA(BaseVideoDetector):
    """`FGFA <https://arxiv.org/abs/1703.10025>`_ on a two-stage detector.

    Training: the key frame and its reference frames go through the backbone
    together; each reference frame's features are warped to the key frame by
    the flow from the key frame to it (``motion``); at every level the
    ``aggregator`` (:class:`EmbedAggregator`, adaptive cosine weights) sums
    the warped reference features, and the RPN and RoI losses are computed on
    the result (as MMTracking 0.14, the key frame's own features are not in
    the sum; ``bilateral_uniform`` sampling gives one reference on each side).

    Testing: a ring buffer of reference frames (images, features and frame
    ids) is kept per video. On ``frame_id == 0`` it is reset to the frames
    sent with the key frame (``test_with_fix_stride``: ``num_left_ref_imgs + 1``
    copies of frame 0 then the frames ``stride, 2 * stride, ...``;
    :func:`mmtrack.apis.inference_vid`: ``num_left_ref_imgs`` copies); a
    later frame that comes with reference frames (every ``frame_stride``-th)
    pushes them and drops as many of the oldest. The buffer's features are
    warped to the key frame and aggregated with the key frame's own
    features, which replace the warped entry at ``num_left_ref_imgs`` (as
    MMTracking 0.14; where the buffer is shorter, the key frame's own entry,
    else they are added to the aggregation) and are taken from the buffer
    when it holds the key frame. Without ``frame_stride``/``num_left_ref_imgs`` in the meta
    the buffer is the frames sent with frame 0.

    State-dict keys: ``detector.*``, ``motion.*`` and ``aggregator.*``
    (MMTracking 0.14).

    Args:
        detector: two-stage detector config.
        motion: flow network config (``FlowNetSimple``).
        aggregator: aggregator config (``EmbedAggregator``).
        frozen_modules: sub-modules to freeze. Defaults to None.
        exact_warp: warp on the pixel-exact grid (``flow_warp_feats(...,
            exact=True)``: a zero flow is the identity) instead of
            MMTracking's (its checkpoints expect it; on small feature maps
            its ``(W - 1) / W`` shrink makes warped and unwarped features of
            the same frame differ). Defaults to False.
        train_cfg: unused (MMTracking's signature). Defaults to None.
        test_cfg: unused (MMTracking's signature). Defaults to None.
        data_preprocessor: data preprocessor config. Defaults to None.
        init_cfg: init config. Defaults to None.
    """

    def __init__(
        self,
        detector: dict,
        motion: dict,
        aggregator: dict,
        frozen_modules: Union[str, Sequence[str], None] = None,
        exact_warp: bool = False,
        train_cfg: Optional[dict] = None,
        test_cfg: Optional[dict] = None,
        data_preprocessor: Optional[dict] = None,
        init_cfg: Union[dict, list, None] = None,
    ) -> None:
        super().__init__(detector=detector, data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if not self.with_rpn or getattr(self.detector, "roi_head", None) is None:
            raise ValueError("FGFA needs a two-stage detector (rpn_head and roi_head)")
        self.motion = MODELS.build(motion)
        self.aggregator = MODELS.build(aggregator)
        self.exact_warp = bool(exact_warp)
        self.train_cfg = train_cfg
        self.test_cfg = test_cfg
        self.frozen_modules = frozen_modules
        if frozen_modules is not None:
            self.freeze_module(frozen_modules)
        self.memo_imgs: Optional[Tensor] = None
        self.memo_feats: list[Tensor] = []
        self.memo_ids: list[int] = []

    def warp_refs(
        self, img: Tensor, ref_imgs: Tensor, ref_x: Sequence[Tensor], metas: list
    ) -> list[Tensor]:
        """Reference features warped to ``img``.

        Args:
            img: ``(1, 3, H, W)`` key frame.
            ref_imgs: ``(R, 3, H, W)`` reference frames.
            ref_x: multi-level ``(R, C, H_l, W_l)`` features of ``ref_imgs``.
            metas: :meth:`flow_metas` of the key frame.

        Returns:
            list of ``(R, C, H_l, W_l)`` warped features.
        """
        pairs = torch.cat((img.expand(ref_imgs.shape[0], -1, -1, -1), ref_imgs), dim=1)
        flows = self.motion(pairs, metas)
        return [flow_warp_feats(f, flows, exact=self.exact_warp) for f in ref_x]

    def loss(self, inputs: Tensor, data_samples: list) -> dict[str, Tensor]:
        """Losses on the aggregated warped reference features.

        Args:
            inputs: ``(N, T, C, H, W)`` clips (key frame and ``T - 1`` references).
            data_samples: one :class:`TrackDataSample` per clip, ``gt_instances``
                on the key frame.
        """
        total: dict[str, Tensor] = {}
        for i, clip in enumerate(data_samples):
            key_img, key_sample, ref_imgs, _ = self.split_clip(inputs, clip, i)
            if ref_imgs.shape[0] == 0:
                raise ValueError("FGFA.loss: a training clip needs reference frames")
            all_x = self.detector.extract_feat(torch.cat((key_img, ref_imgs), dim=0))
            warped = self.warp_refs(
                key_img, ref_imgs, [f[1:] for f in all_x], self.flow_metas(key_sample)
            )
            x = tuple(self.aggregator(f[:1], w) for f, w in zip(all_x, warped))
            self.add_losses(total, self.detector_loss(x, key_sample), len(data_samples))
        return total

    # ------------------------------------------------------------------- testing
    def update_memory(self, key_sample: DetDataSample, ref_imgs: Tensor, ref_samples: list) -> None:
        """Reset (frame 0) or roll the ring buffer with the reference frames sent.

        Raises:
            ValueError: on a frame without ``frame_id`` or a first frame of a
                video without reference frames.
        """
        frame_id = int(key_sample.metainfo.get("frame_id", -1))
        if frame_id < 0:
            raise ValueError(f"FGFA.predict: the key frame needs frame_id >= 0, got {frame_id}")
        if frame_id == 0:
            if len(ref_samples) == 0:
                raise ValueError(
                    "FGFA.predict: frame 0 of a video needs reference frames "
                    "(ref_img_sampler 'test_with_fix_stride' or inference_vid)"
                )
            self.memo_imgs, self.memo_feats, self.memo_ids = None, [], []
        elif self.memo_imgs is None:
            raise ValueError(f"FGFA.predict: frame {frame_id} comes before frame 0 of its video")
        if len(ref_samples) == 0:
            return
        stride = int(key_sample.metainfo.get("frame_stride", -1))
        if frame_id > 0 and stride < 1:
            return  # without a stride the buffer is the frames sent with frame 0
        ref_x = self.detector.extract_feat(ref_imgs)
        ids = [int(s.metainfo.get("frame_id", -1)) for s in ref_samples]
        if frame_id == 0:
            self.memo_imgs, self.memo_feats, self.memo_ids = ref_imgs, list(ref_x), ids
            return
        drop = min(len(ids), len(self.memo_ids))
        self.memo_imgs = torch.cat((self.memo_imgs, ref_imgs), dim=0)[drop:]
        self.memo_feats = [torch.cat((m, r), dim=0)[drop:] for m, r in zip(self.memo_feats, ref_x)]
        self.memo_ids = (self.memo_ids + ids)[drop:]

    def key_index(self, frame_id: int, frame_stride: int, num_left_ref_imgs: int) -> int:
        """Buffer position whose warped features the key frame's own replace.

        ``num_left_ref_imgs`` with a ``frame_stride`` (MMTracking 0.14: on the
        ``test_with_fix_stride`` schedule it holds the latest strided frame,
        the key frame itself on strided frames); otherwise the key frame's
        first occurrence in the buffer; -1 when absent (the key frame's
        features are then added to the aggregation).
        """
        if frame_stride >= 1 and 0 <= num_left_ref_imgs < len(self.memo_ids):
            return num_left_ref_imgs
        return self.memo_ids.index(frame_id) if frame_id in self.memo_ids else -1

    def predict(self, inputs: Tensor, data_samples: list) -> list[TrackDataSample]:
        """Detect on the key frame of the one clip (``inputs`` ``(1, T, C, H, W)``).

        Returns:
            ``data_samples`` with ``pred_det_instances`` on the key frame
            (boxes in original-image pixels).
        """
        if len(data_samples) != 1:
            raise ValueError(f"FGFA.predict: one clip per call, got {len(data_samples)}")
        img, key_sample, ref_imgs, ref_samples = self.split_clip(inputs, data_samples[0])
        self.update_memory(key_sample, ref_imgs, ref_samples)
        frame_id = int(key_sample.metainfo["frame_id"])
        pos = self.key_index(
            frame_id,
            int(key_sample.metainfo.get("frame_stride", -1)),
            int(key_sample.metainfo.get("num_left_ref_imgs", -1)),
        )
        if pos >= 0 and self.memo_ids[pos] == frame_id:
            x = [f[pos : pos + 1] for f in self.memo_feats]
        else:
            x = list(self.detector.extract_feat(img))
        warped = self.warp_refs(img, self.memo_imgs, self.memo_feats, self.flow_metas(key_sample))
        agg = []
        for key_f, ref_f in zip(x, warped):
            if pos >= 0:
                ref_f = torch.cat((ref_f[:pos], key_f, ref_f[pos + 1 :]), dim=0)
            else:
                ref_f = torch.cat((key_f, ref_f), dim=0)
            agg.append(self.aggregator(key_f, ref_f))
        self.detector_predict(agg, key_sample)
        return data_samples
