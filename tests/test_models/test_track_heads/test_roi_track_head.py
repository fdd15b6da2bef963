"""MaskTrack R-CNN's RoIEmbedHead / RoITrackHead checked against hand computations."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest
import torch
from mmengine.structures import InstanceData

from mmtrack.registry import MODELS
from mmtrack.structures import DetDataSample, TrackDataSample
from mmtrack.utils import register_all_modules

register_all_modules()


def _head(**kw):
    cfg = dict(type="RoIEmbedHead", num_fcs=0, roi_feat_size=1, in_channels=2)
    cfg.update(kw)
    return MODELS.build(cfg)


def test_embed_head_keys_match_mmtracking():
    # MMTracking 0.14 RoIEmbedHead(num_fcs=2, in_channels=256, fc_out_channels=1024):
    # fcs.0 (1024, 256*7*7), fcs.1 (1024, 1024); convs.{i}.conv with num_convs
    head = _head(num_fcs=2, roi_feat_size=7, in_channels=256, fc_out_channels=1024)
    got = {k: tuple(v.shape) for k, v in head.state_dict().items()}
    assert got == {
        "fcs.0.weight": (1024, 12544),
        "fcs.0.bias": (1024,),
        "fcs.1.weight": (1024, 1024),
        "fcs.1.bias": (1024,),
    }
    conv = _head(num_convs=1, num_fcs=1, roi_feat_size=3, in_channels=4, conv_out_channels=8,
                 fc_out_channels=16)
    assert set(conv.state_dict()) == {
        "convs.0.conv.weight", "convs.0.conv.bias", "fcs.0.weight", "fcs.0.bias"
    }
    assert conv.fcs[0].in_features == 8 * 9
    assert conv.embed(torch.randn(5, 4, 3, 3)).shape == (5, 16)
    with pytest.raises(ValueError, match="num_convs"):
        _head(num_convs=-1)


def test_match_logits_and_loss_by_hand():
    head = _head()  # embedding = the flattened 2-d RoI feature
    key = torch.tensor([[1.0, 0.0], [0.0, 2.0], [5.0, 5.0]]).view(3, 2, 1, 1)
    ref = torch.tensor([[3.0, 0.0], [0.0, 1.0]]).view(2, 2, 1, 1)
    logits = head(key, ref, [3], [2])[0]
    # zero "new object" column, then dot products
    assert logits.tolist() == [[0.0, 3.0, 0.0], [0.0, 0.0, 2.0], [0.0, 15.0, 5.0]]
    assert head.predict(key, ref).tolist() == logits.tolist()

    # key RoIs 0, 1 positive (gts 1 and 0), RoI 2 negative; key gt instance
    # ids [7, 9], reference gt ids [9, 4]: RoI 0 -> gt 1 (id 9) -> ref index 0
    # -> target 1; RoI 1 -> gt 0 (id 7) absent from the reference -> target 0
    res = SimpleNamespace(pos_assigned_gt_inds=torch.tensor([1, 0]), bboxes=torch.zeros(3, 4))
    targets, weights = head.get_targets([res], [torch.tensor([7, 9])], [torch.tensor([9, 4])])
    assert targets[0].tolist() == [1, 0, 0] and weights[0].tolist() == [1.0, 1.0, 0.0]

    losses = head.loss(key, ref, [3], [2], [res], [torch.tensor([7, 9])], [torch.tensor([9, 4])])
    # CE of RoI 0 at column 1 of [0, 3, 0], of RoI 1 at column 0 of [0, 0, 2];
    # summed and divided by the positives with a match (1)
    ce0 = math.log(1 + math.exp(3) + 1) - 3
    ce1 = math.log(1 + 1 + math.exp(2)) - 0
    assert losses["loss_match"].item() == pytest.approx(ce0 + ce1, rel=1e-6)
    # argmax of RoI 0 is column 1 (right), of RoI 1 column 2 (wrong): 50 %
    assert losses["match_accuracy"].item() == pytest.approx(50.0)


def _frame(boxes, ids, labels, h=64, w=64):
    s = DetDataSample(metainfo=dict(img_shape=(h, w), ori_shape=(h, w), scale_factor=(1.0, 1.0)))
    s.gt_instances = InstanceData(
        bboxes=torch.tensor(boxes, dtype=torch.float32).view(-1, 4),
        labels=torch.tensor(labels, dtype=torch.long),
        instances_id=torch.tensor(ids, dtype=torch.long),
    )
    return s


def test_roi_track_head_loss_trains_and_predicts():
    head = MODELS.build(
        dict(
            type="RoITrackHead",
            roi_extractor=dict(
                type="SingleRoIExtractor",
                roi_layer=dict(type="RoIAlign", output_size=7, sampling_ratio=0),
                out_channels=8,
                featmap_strides=[4],
            ),
            embed_head=dict(type="RoIEmbedHead", num_fcs=1, in_channels=8, fc_out_channels=16),
            train_cfg=dict(
                assigner=dict(type="MaxIoUAssigner", pos_iou_thr=0.5, neg_iou_thr=0.5,
                              min_pos_iou=0.5, ignore_iof_thr=-1),
                sampler=dict(type="RandomSampler", num=16, pos_fraction=0.25,
                             add_gt_as_proposals=True),
            ),
        )
    )
    g = torch.Generator().manual_seed(0)
    feats = (torch.randn(1, 8, 16, 16, generator=g),)
    ref_feats = (torch.randn(1, 8, 16, 16, generator=g),)
    clip = TrackDataSample()
    clip.video_data_samples = [
        _frame([[4, 4, 20, 20], [30, 30, 50, 60]], [3, 5], [0, 1]),
        _frame([[6, 4, 22, 20]], [5], [1]),  # only instance 5 in the reference frame
    ]
    clip.set_metainfo(dict(key_frames_inds=[0], ref_frames_inds=[1]))
    props = InstanceData(bboxes=torch.tensor([[5.0, 5.0, 20.0, 20.0], [0.0, 0.0, 8.0, 8.0]]))
    losses = head.loss(feats, ref_feats, [props], [clip])
    assert set(losses) == {"loss_match", "match_accuracy"}
    assert torch.isfinite(losses["loss_match"]) and losses["loss_match"] > 0
    losses["loss_match"].backward()
    assert head.embed_head.fcs[0].weight.grad.abs().sum() > 0
    emb = head.predict(feats, [torch.tensor([[4.0, 4.0, 20.0, 20.0]])])
    assert emb.shape == (1, 16)
    with pytest.raises(ValueError, match="regress_head"):
        MODELS.build(dict(type="RoITrackHead", regress_head=dict(type="X")))
