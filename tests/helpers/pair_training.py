"""Fixed-seed loss and predictions of QDTrack and MaskTrack R-CNN (refactor guard).

:func:`record` gives one training step's losses and two predicted frames of
each model on fixed random inputs; ``tests/data/pair_training_golden.pt`` holds
what it gave before their shared two-stage key/reference code moved into
``mmtrack.models.mot.two_stage_pair_mixin``. Run this module to rewrite it.
"""

from __future__ import annotations

import os.path as osp

import numpy as np
import torch
from mmengine.config import Config
from mmengine.structures import InstanceData

from mmtrack.registry import MODELS
from mmtrack.structures import DetDataSample, TrackDataSample
from mmtrack.utils import register_all_modules
from tests.helpers.mot import tiny_faster_rcnn
from tests.helpers.tools import REPO_ROOT

GOLDEN = osp.join(REPO_ROOT, "tests", "data", "pair_training_golden.pt")
MASKTRACK_CONFIG = osp.join(
    REPO_ROOT, "configs", "vis", "masktrack_rcnn", "masktrack_rcnn_r18-tiny_fpn_synthetic.py"
)
H, W = 64, 96


def _frame(fid: int, gt: tuple | None = None, masks: bool = False) -> DetDataSample:
    s = DetDataSample(metainfo=dict(
        frame_id=fid, video_id=1, ori_shape=(H, W), img_shape=(H, W), scale_factor=(1.0, 1.0),
        video_length=2, img_path=f"SEQ/{fid:06d}.jpg"))
    if gt is not None:
        boxes, ids = gt
        inst = InstanceData(
            bboxes=torch.tensor(boxes, dtype=torch.float32),
            labels=torch.zeros(len(boxes), dtype=torch.long),
            instances_id=torch.tensor(ids),
        )
        if masks:
            m = torch.zeros(len(boxes), H, W, dtype=torch.uint8)
            for i, (x1, y1, x2, y2) in enumerate(boxes):
                m[i, y1:y2, x1:x2] = 1
            inst.masks = m
        s.gt_instances = inst
    return s


def _clip(frames: list, keys: tuple = (0,), refs: tuple = ()) -> TrackDataSample:
    c = TrackDataSample()
    c.video_data_samples = frames
    c.set_metainfo(dict(key_frames_inds=list(keys), ref_frames_inds=list(refs)))
    return c


def _img(seed: int) -> torch.Tensor:
    return torch.from_numpy(np.random.default_rng(seed).integers(0, 256, (3, H, W), dtype=np.uint8))


def qdtrack_model() -> torch.nn.Module:
    torch.manual_seed(0)
    return MODELS.build(dict(
        type="QDTrack",
        data_preprocessor=dict(type="TrackDataPreprocessor", mean=[123.675, 116.28, 103.53],
                               std=[58.395, 57.12, 57.375], bgr_to_rgb=True,
                               pad_size_divisor=32),
        detector=tiny_faster_rcnn(),
        track_head=dict(
            type="QuasiDenseTrackHead",
            roi_extractor=dict(type="SingleRoIExtractor",
                               roi_layer=dict(type="RoIAlign", output_size=7, sampling_ratio=0),
                               out_channels=32, featmap_strides=[4, 8, 16, 32]),
            embed_head=dict(type="QuasiDenseEmbedHead", num_convs=1, num_fcs=1, in_channels=32,
                            conv_out_channels=32, fc_out_channels=32, embed_channels=16,
                            norm_cfg=dict(type="GN", num_groups=8)),
            train_cfg=dict(
                assigner=dict(type="MaxIoUAssigner", pos_iou_thr=0.7, neg_iou_thr=0.5,
                              min_pos_iou=0.5),
                sampler=dict(type="CombinedSampler", num=32, pos_fraction=0.5, neg_pos_ub=3,
                             add_gt_as_proposals=True,
                             pos_sampler=dict(type="InstanceBalancedPosSampler"),
                             neg_sampler=dict(type="RandomSampler"))),
        ),
        tracker=dict(type="QuasiDenseTracker", init_score_thr=0.0, obj_score_thr=0.0),
    ))


def masktrack_model() -> torch.nn.Module:
    cfg = Config.fromfile(MASKTRACK_CONFIG)
    cfg.model.detector.test_cfg.rcnn.score_thr = 0.0
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    return model


def _step(model: torch.nn.Module, masks: bool) -> dict[str, torch.Tensor]:
    """Losses of one training step, then two predicted frames, all at fixed seeds."""
    out: dict[str, torch.Tensor] = {}
    model.train()
    key = _frame(0, gt=([[10, 10, 40, 50], [50, 5, 80, 60]], [1, 2]), masks=masks)
    ref = _frame(1, gt=([[52, 6, 82, 60], [12, 12, 42, 52]], [2, 1]), masks=masks)
    pair = torch.stack([_img(0), _img(1)])
    data = model.data_preprocessor(
        dict(inputs=[pair], data_samples=[_clip([key, ref], (0,), (1,))]), True)
    torch.manual_seed(1)
    losses = model(**data, mode="loss")
    for name, value in losses.items():
        out[f"loss/{name}"] = torch.as_tensor(value).detach().clone()
    out["loss_names"] = torch.tensor([ord(c) for c in ",".join(losses)])
    model.eval()
    for fid in range(2):
        data = model.data_preprocessor(
            dict(inputs=[_img(10 + fid)[None]], data_samples=[_clip([_frame(fid)])]), False)
        with torch.no_grad():
            frame = model(**data, mode="predict")[0][0]
        for kind in ("pred_det_instances", "pred_track_instances"):
            inst = frame.get(kind)
            for field in ("bboxes", "scores", "labels", "instances_id", "masks"):
                if field not in inst:
                    continue
                value = inst.get(field).detach()
                if field == "masks":  # exact fingerprint: pixel count and sum of positions
                    flat = value.flatten(1).long()
                    value = torch.stack([flat.sum(1), (flat * torch.arange(flat.size(1))).sum(1)])
                out[f"frame{fid}/{kind}/{field}"] = value.clone()
    return out


def record() -> dict[str, dict[str, torch.Tensor]]:
    """``{'qdtrack': {...}, 'masktrack_rcnn': {...}}`` of :func:`_step`."""
    register_all_modules()
    return dict(qdtrack=_step(qdtrack_model(), masks=False),
                masktrack_rcnn=_step(masktrack_model(), masks=True))


if __name__ == "__main__":
    torch.save(record(), GOLDEN)
    print(f"wrote {GOLDEN}")
