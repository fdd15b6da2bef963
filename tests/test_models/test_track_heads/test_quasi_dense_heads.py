"""QDTrack heads and samplers checked against hand computations."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch
from mmengine.structures import InstanceData

from mmtrack.models.task_modules.assigners.assign_result import AssignResult
from mmtrack.models.track_heads import embed_similarity
from mmtrack.registry import MODELS, TASK_UTILS
from mmtrack.structures import DetDataSample, TrackDataSample
from mmtrack.utils import register_all_modules

register_all_modules()


def test_embed_similarity():
    a = torch.tensor([[1.0, 0.0], [3.0, 4.0]])
    b = torch.tensor([[2.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    dot = embed_similarity(a, b)
    assert dot.tolist() == [[2.0, 0.0, 1.0], [6.0, 4.0, 7.0]]
    assert embed_similarity(a, b, temperature=2).tolist() == [[1.0, 0.0, 0.5], [3.0, 2.0, 3.5]]
    cos = embed_similarity(a, b, method="cosine")
    assert cos[1].tolist() == pytest.approx([0.6, 0.8, 7 / (5 * 2**0.5)])
    with pytest.raises(ValueError, match="method"):
        embed_similarity(a, b, method="l2")


def _embed_head(**kw):
    cfg = dict(
        type="QuasiDenseEmbedHead",
        num_convs=2,
        num_fcs=1,
        roi_feat_size=3,
        in_channels=4,
        conv_out_channels=8,
        fc_out_channels=16,
        embed_channels=5,
        norm_cfg=dict(type="GN", num_groups=4),
    )
    cfg.update(kw)
    return MODELS.build(cfg)


def test_embed_head_shapes_and_keys():
    head = _embed_head()
    x = torch.randn(7, 4, 3, 3)
    assert head(x).shape == (7, 5)
    keys = set(head.state_dict())
    assert {"convs.0.conv.weight", "convs.0.gn.weight", "fcs.0.weight", "fc_embed.weight"} <= keys
    assert head.fcs[0].in_features == 8 * 9
    # without fcs the flattened RoI feature feeds fc_embed directly
    bare = _embed_head(num_convs=0, num_fcs=0)
    assert bare.fc_embed.in_features == 4 * 9 and bare(x).shape == (7, 5)


def _res(pos_gt, num_ref=None):
    pos_gt = torch.tensor(pos_gt, dtype=torch.long)
    n = len(pos_gt) if num_ref is None else num_ref
    return SimpleNamespace(
        pos_bboxes=torch.zeros(len(pos_gt), 4),
        bboxes=torch.zeros(n, 4),
        pos_assigned_gt_inds=pos_gt,
    )


def test_embed_head_targets_and_loss_by_hand():
    head = _embed_head(loss_track_aux=None)
    # key gts 0, 1, 2 appear in the reference frame as gts 1, -, 0
    match = torch.tensor([1, -1, 0])
    key = _res([0, 1, 2, 0])  # 4 key positives
    ref = _res([0, 1], num_ref=4)  # 2 ref positives (gts 0, 1) + 2 negatives
    targets, weights = head.get_targets([match], [key], [ref])
    assert targets[0].tolist() == [[0, 1, 0, 0], [0, 0, 0, 0], [1, 0, 0, 0], [0, 1, 0, 0]]
    assert weights[0].tolist() == [1.0, 0.0, 1.0, 1.0]

    torch.manual_seed(0)
    key_emb, ref_emb = torch.randn(4, 5), torch.randn(4, 5)
    losses = head.loss_by_feat(key_emb, ref_emb, [key], [ref], [match])
    sim = key_emb @ ref_emb.t()
    total = 0.0
    for i in (0, 2, 3):  # rows with a positive
        pos = targets[0][i] == 1
        s = sum(
            torch.exp(sim[i, n] - sim[i, p])
            for p in torch.nonzero(pos)
            for n in torch.nonzero(~pos)
        )
        total += torch.log1p(s).item()
    assert losses["loss_track"].item() == pytest.approx(0.25 * total / 3, rel=1e-4)
    assert "loss_track_aux" not in losses


def test_embed_head_aux_l2_loss():
    head = _embed_head()  # L2Loss(neg_pos_ub=3, pos_margin=0, neg_margin=0.1, hard_mining)
    match = torch.tensor([0])
    key, ref = _res([0]), _res([0], num_ref=2)
    key_emb = torch.tensor([[1.0, 0, 0, 0, 0]])
    ref_emb = torch.tensor([[0.6, 0.8, 0, 0, 0], [0.0, 1.0, 0, 0, 0]])
    losses = head.loss_by_feat(key_emb, ref_emb, [key], [ref], [match])
    # cosine: positive 0.6 (target 1), negative 0 -> 0 - 0.1 clamped to 0 (target 0)
    assert losses["loss_track_aux"].item() == pytest.approx(((0.6 - 1) ** 2 + 0.0) / 2, rel=1e-5)


def _assign(gt_inds):
    gt_inds = torch.tensor(gt_inds)
    return AssignResult(
        int(gt_inds.max()),
        gt_inds,
        torch.ones(len(gt_inds)),
        torch.zeros(len(gt_inds), dtype=torch.long),
    )


def test_instance_balanced_pos_sampler():
    torch.manual_seed(0)
    sampler = TASK_UTILS.build(dict(type="InstanceBalancedPosSampler", num=8, pos_fraction=0.5))
    # 10 positives of gt 1, 1 of gt 2, 1 of gt 3, 4 negatives; 4 positives wanted:
    # each gt may give round(4 / 3) + 1 = 2, then the excess is cut to 4
    res = _assign([1] * 10 + [2, 3] + [0] * 4)
    for _ in range(5):
        pos = sampler._sample_pos(res, 4)
        assert len(pos) == 4 and len(set(pos.tolist())) == 4
        assert all(res.gt_inds[pos] > 0)
        assert (res.gt_inds[pos] == 1).sum() <= 2
    # fewer positives than wanted: all of them
    assert sorted(sampler._sample_pos(res, 20).tolist()) == list(range(12))
    combined = TASK_UTILS.build(
        dict(
            type="CombinedSampler",
            num=6,
            pos_fraction=0.5,
            neg_pos_ub=1,
            add_gt_as_proposals=False,
            pos_sampler=dict(type="InstanceBalancedPosSampler"),
            neg_sampler=dict(type="RandomSampler"),
        )
    )
    priors = InstanceData(priors=torch.rand(16, 4) * 10)
    gts = InstanceData(bboxes=torch.rand(3, 4), labels=torch.zeros(3, dtype=torch.long))
    result = combined.sample(res, priors, gts)
    assert len(result.pos_inds) == 3 and len(result.neg_inds) == 3  # neg_pos_ub=1


def test_track_head_loss_and_predict():
    torch.manual_seed(0)
    head = MODELS.build(
        dict(
            type="QuasiDenseTrackHead",
            roi_extractor=dict(
                type="SingleRoIExtractor",
                roi_layer=dict(type="RoIAlign", output_size=3, sampling_ratio=0),
                out_channels=4,
                featmap_strides=[4],
            ),
            embed_head=dict(
                type="QuasiDenseEmbedHead",
                num_convs=1,
                num_fcs=1,
                roi_feat_size=3,
                in_channels=4,
                conv_out_channels=4,
                fc_out_channels=8,
                embed_channels=6,
            ),
            train_cfg=dict(
                assigner=dict(
                    type="MaxIoUAssigner", pos_iou_thr=0.7, neg_iou_thr=0.5, min_pos_iou=0.5
                ),
                sampler=dict(
                    type="CombinedSampler",
                    num=16,
                    pos_fraction=0.5,
                    neg_pos_ub=3,
                    add_gt_as_proposals=True,
                    pos_sampler=dict(type="InstanceBalancedPosSampler"),
                    neg_sampler=dict(type="RandomSampler"),
                ),
            ),
        )
    )
    feats = (torch.randn(1, 4, 16, 16),)
    ref_feats = (torch.randn(1, 4, 16, 16),)

    def frame(boxes, ids):
        s = DetDataSample(metainfo=dict(img_shape=(64, 64)))
        s.gt_instances = InstanceData(
            bboxes=torch.tensor(boxes, dtype=torch.float32),
            labels=torch.zeros(len(boxes), dtype=torch.long),
            instances_id=torch.tensor(ids),
        )
        return s

    clip = TrackDataSample()
    clip.video_data_samples = [
        frame([[4, 4, 20, 30], [30, 8, 50, 40]], [5, 9]),
        frame([[6, 4, 22, 30]], [9]),
    ]
    clip.set_metainfo(dict(key_frames_inds=[0], ref_frames_inds=[1]))
    props = InstanceData(bboxes=torch.tensor([[0.0, 0, 10, 10], [40, 40, 60, 60]]))
    losses = head.loss(feats, ref_feats, [props], [props.clone()], [clip])
    assert set(losses) == {"loss_track", "loss_track_aux"}
    assert all(torch.isfinite(v) for v in losses.values())
    losses["loss_track"].backward()
    assert head.embed_head.fc_embed.weight.grad is not None
    emb = head.predict(feats, [torch.tensor([[4.0, 4, 20, 30], [30, 8, 50, 40]])])
    assert emb.shape == (2, 6)
    with pytest.raises(ValueError, match="regress_head"):
        MODELS.build(dict(type="QuasiDenseTrackHead", regress_head=dict(type="x")))
