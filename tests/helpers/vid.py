"""Tiny video-detector configs and clips for the VID tests."""

from __future__ import annotations

import copy

import torch

from mmtrack.structures import TrackDataSample

from .det import det_sample, tiny_faster_rcnn_cfg


def tiny_selsa_cfg(num_classes: int = 3, troi: bool = False) -> dict:
    """SELSA on the tiny R-18-FPN Faster R-CNN of :func:`tiny_faster_rcnn_cfg` (fc width 64)."""
    det = tiny_faster_rcnn_cfg(num_classes=num_classes)
    det.pop("data_preprocessor")
    det["roi_head"]["type"] = "SelsaRoIHead"
    det["roi_head"]["bbox_head"].update(
        type="SelsaBBoxHead",
        num_shared_fcs=2,
        aggregator=dict(type="SelsaAggregator", in_channels=64, num_attention_blocks=4),
    )
    if troi:
        det["roi_head"]["bbox_roi_extractor"].update(
            type="TemporalRoIAlign", num_most_similar_points=2, num_temporal_attention_blocks=4
        )
    return copy.deepcopy(
        dict(
            type="SELSA",
            detector=det,
            data_preprocessor=dict(
                type="TrackDataPreprocessor",
                mean=[123.675, 116.28, 103.53],
                std=[58.395, 57.12, 57.375],
                bgr_to_rgb=True,
                pad_size_divisor=32,
            ),
        )
    )


def vid_clip(
    num_refs: int,
    frame_id: int = 0,
    size: tuple[int, int] = (64, 96),
    boxes: list | None = None,
    labels: list | None = None,
    seed: int = 0,
    **meta,
) -> tuple[torch.Tensor, TrackDataSample]:
    """``(1, 1 + num_refs, 3, H, W)`` random clip (key frame first) and its sample."""
    g = torch.Generator().manual_seed(seed)
    h, w = size
    inputs = torch.randn(1, 1 + num_refs, 3, h, w, generator=g)
    frames = []
    for i in range(1 + num_refs):
        s = det_sample((h, w), boxes, labels)
        s.set_metainfo(dict(frame_id=frame_id, ori_shape=(h, w), **meta))
        frames.append(s)
    clip = TrackDataSample()
    clip.video_data_samples = frames
    clip.set_metainfo(dict(key_frames_inds=[0], ref_frames_inds=list(range(1, 1 + num_refs))))
    return inputs, clip
