"""Mask2FormerTrackHead: masked cross attention, one layer's mask prediction by hand,
the no-object classification loss by hand, losses that back-propagate."""

import math

import pytest
import torch
import torch.nn.functional as F
from mmengine.structures import InstanceData
from torch import nn

from mmtrack.models.layers import Mask2FormerTransformerDecoderLayer
from mmtrack.registry import MODELS
from mmtrack.structures import DetDataSample, TrackDataSample
from mmtrack.utils import register_all_modules

register_all_modules()


@MODELS.register_module(force=True)
class StandInPixelDecoder(nn.Module):
    """The pixel decoder contract: ``(mask_feature (N, C_out, H/4, W/4), [1/32, 1/16, 1/8])``."""

    def __init__(self, in_channels, feat_channels, out_channels, **kwargs):
        super().__init__()
        self.lateral = nn.ModuleList(nn.Conv2d(c, feat_channels, 1) for c in in_channels)
        self.mask_feature = nn.Conv2d(feat_channels, out_channels, 1)

    def forward(self, feats):
        lat = [conv(f) for conv, f in zip(self.lateral, feats)]
        return self.mask_feature(lat[0]), [lat[3], lat[2], lat[1]]


NUM_CLASSES, T, Q, C = 3, 2, 5, 16


def make_head(num_layers=3, train=True):
    layer = dict(
        self_attn_cfg=dict(embed_dims=C, num_heads=2, dropout=0.0, batch_first=True),
        cross_attn_cfg=dict(embed_dims=C, num_heads=2, dropout=0.0, batch_first=True),
        ffn_cfg=dict(embed_dims=C, feedforward_channels=32, num_fcs=2, ffn_drop=0.0),
    )
    train_cfg = dict(
        num_points=64,
        oversample_ratio=3.0,
        importance_sample_ratio=0.75,
        assigner=dict(
            type="HungarianAssigner",
            match_costs=[
                dict(type="ClassificationCost", weight=2.0),
                dict(type="CrossEntropyLossCost", weight=5.0, use_sigmoid=True),
                dict(type="DiceCost", weight=5.0, pred_act=True, eps=1.0),
            ],
        ),
        sampler=dict(type="MaskPseudoSampler"),
    )
    head = MODELS.build(
        dict(
            type="Mask2FormerHead",
            in_channels=[4, 8, 8, 8],
            feat_channels=C,
            out_channels=C,
            num_classes=NUM_CLASSES,
            num_frames=T,
            num_queries=Q,
            pixel_decoder=dict(type="StandInPixelDecoder"),
            transformer_decoder=dict(num_layers=num_layers, layer_cfg=layer),
            positional_encoding=dict(
                type="SinePositionalEncoding3D", num_feats=C // 2, normalize=True
            ),
            loss_cls=dict(
                type="CrossEntropyLoss",
                use_sigmoid=False,
                loss_weight=2.0,
                reduction="mean",
                class_weight=[1.0] * NUM_CLASSES + [0.1],
            ),
            train_cfg=train_cfg if train else None,
        )
    )
    head.init_weights()
    return head


def feats(n, size=64):
    return [torch.randn(n, c, size // s, size // s) for c, s in zip([4, 8, 8, 8], [4, 8, 16, 32])]


def clip(objects, size=64):
    """One clip of T frames; ``objects``: per frame a list of (instance id, label, box)."""
    frames = []
    for per_frame in objects:
        masks = torch.zeros(len(per_frame), size, size, dtype=torch.bool)
        for k, (_, _, (x1, y1, x2, y2)) in enumerate(per_frame):
            masks[k, y1:y2, x1:x2] = True
        gt = InstanceData(
            labels=torch.tensor([o[1] for o in per_frame], dtype=torch.long),
            instances_id=torch.tensor([o[0] for o in per_frame], dtype=torch.long),
            masks=masks,
        )
        frames.append(
            DetDataSample(
                gt_instances=gt,
                metainfo=dict(
                    img_shape=(size, size), ori_shape=(size, size), batch_input_shape=(size, size)
                ),
            )
        )
    return TrackDataSample(video_data_samples=frames)


def test_masked_keys_are_ignored_by_cross_attention():
    torch.manual_seed(0)
    layer = Mask2FormerTransformerDecoderLayer(
        self_attn_cfg=dict(embed_dims=8, num_heads=2),
        cross_attn_cfg=dict(embed_dims=8, num_heads=2),
        ffn_cfg=dict(feedforward_channels=16),
    ).eval()
    query, key = torch.randn(1, 3, 8), torch.randn(1, 6, 8)
    mask = torch.zeros(2, 3, 6, dtype=torch.bool)
    mask[:, :, 4] = True  # no query may look at key 4
    out = layer(query, key, key, cross_attn_mask=mask)
    changed = key.clone()
    changed[0, 4] += 10.0
    assert torch.allclose(layer(query, changed, changed, cross_attn_mask=mask), out, atol=1e-6)
    changed = key.clone()
    changed[0, 3] += 10.0
    assert not torch.allclose(layer(query, changed, changed, cross_attn_mask=mask), out, atol=1e-3)


def test_one_layer_mask_prediction_and_attention_mask_by_hand():
    torch.manual_seed(0)
    head = make_head(train=False).eval()
    query = torch.randn(1, Q, C)
    mask_feature = torch.randn(1, T, C, 4, 4)
    cls_pred, mask_pred, attn = head._forward_head(query, mask_feature, (2, 2))
    # by hand: LayerNorm, then the 3-layer MLP, then a dot product per pixel
    ln = head.transformer_decoder.post_norm
    qn = (query - query.mean(-1, keepdim=True)) / torch.sqrt(
        query.var(-1, unbiased=False, keepdim=True) + ln.eps
    )
    qn = qn * ln.weight + ln.bias
    lin = [m for m in head.mask_embed if isinstance(m, nn.Linear)]
    e = qn
    for i, m in enumerate(lin):
        e = e @ m.weight.T + m.bias
        if i < 2:
            e = e.clamp(min=0)
    expect = torch.zeros(1, Q, T, 4, 4)
    for q in range(Q):
        for t in range(T):
            for y in range(4):
                for x in range(4):
                    expect[0, q, t, y, x] = (e[0, q] * mask_feature[0, t, :, y, x]).sum()
    assert torch.allclose(mask_pred, expect, atol=1e-4)
    assert torch.allclose(cls_pred, qn @ head.cls_embed.weight.T + head.cls_embed.bias, atol=1e-5)
    # a 4x4 -> 2x2 bilinear resize (align_corners=False) averages each 2x2 block
    blocks = expect.view(1, Q, T, 2, 2, 2, 2).mean((4, 6))
    assert attn.shape == (1 * 2, Q, T * 2 * 2)  # (B * heads, Q, T*h*w)
    hand = torch.sigmoid(blocks).flatten(2) < 0.5
    assert torch.equal(attn[0], hand[0]) and torch.equal(attn[1], hand[0])


def test_fully_masked_queries_attend_everywhere():
    """A query whose mask is empty in every frame is unmasked (MMTracking 1.x), so the
    decoder's output stays finite even when every mask logit is negative."""
    torch.manual_seed(0)
    head = make_head(train=False).eval()
    with torch.no_grad():
        head.mask_embed[4].weight.zero_()
        head.mask_embed[4].bias.fill_(-5.0)  # every mask logit -5 -> every key masked
        cls_preds, mask_preds = head(feats(T), [clip([[]] * T)])
    assert len(cls_preds) == 4 and all(torch.isfinite(c).all() for c in cls_preds)


def test_loss_back_propagates_and_no_object_loss_by_hand():
    torch.manual_seed(0)
    head = make_head()
    data = [
        clip([[(7, 0, (4, 4, 30, 40)), (9, 2, (40, 10, 60, 30))], [(7, 0, (6, 4, 32, 40))]]),
        clip([[], []]),  # a clip without objects
    ]
    x = feats(2 * T)
    losses = head.loss(x, data)
    assert set(losses) == {
        f"{p}loss_{k}" for p in ["", "d0.", "d1.", "d2."] for k in ("cls", "mask", "dice")
    }
    assert all(torch.isfinite(v) for v in losses.values())
    sum(losses.values()).backward()
    for p in (
        head.query_feat.weight,
        head.cls_embed.weight,
        head.mask_embed[0].weight,
        head.transformer_decoder.layers[0].cross_attn.attn.in_proj_weight,
        head.pixel_decoder.mask_feature.weight,
    ):
        assert p.grad is not None and p.grad.abs().sum() > 0

    # only the empty clip: every query is no-object (weight 0.1), so
    # loss_cls = 2 * sum(0.1 * CE) / sum(0.1) = 2 * mean(-log p_no_object)
    x = feats(T)
    losses = head.loss(x, [clip([[], []])])
    cls_preds, _ = head(x, [clip([[], []])])
    expect = 2.0 * -F.log_softmax(cls_preds[-1][0], -1)[:, -1].mean()
    assert math.isclose(losses["loss_cls"].item(), expect.item(), rel_tol=1e-5)
    assert losses["loss_mask"].item() == 0 and losses["loss_dice"].item() == 0


def test_predict_top_k_over_queries_and_classes():
    torch.manual_seed(0)
    head = make_head(train=False).eval()
    frames = clip([[], []])
    for f in frames:
        f.set_metainfo(dict(ori_shape=(128, 96), img_shape=(64, 48)))
    x = feats(T)
    with torch.no_grad():
        cls_preds, _ = head(x, [frames])
        res = head.predict(x, frames)
    assert len(res) == T
    scores = F.softmax(cls_preds[-1][0], -1)[:, :-1].flatten()
    best = scores.sort(descending=True)
    assert torch.allclose(res[0].scores, best.values[:10], atol=1e-6)
    assert res[0].instances_id.tolist() == best.indices[:10].tolist()
    assert res[0].labels.tolist() == (best.indices[:10] % NUM_CLASSES).tolist()
    assert res[0].masks.shape == (10, 128, 96) and res[0].masks.dtype == torch.bool
    assert res[1].instances_id.tolist() == res[0].instances_id.tolist()


def test_sine_positional_encoding_3d_by_hand():
    enc = MODELS.build(dict(type="SinePositionalEncoding3D", num_feats=2))
    pos = enc(torch.zeros(1, 2, 1, 1, dtype=torch.bool))
    assert pos.shape == (1, 2, 4, 1, 1)
    # y = x = 1 everywhere; frame z = 1, 2. The y and x parts are (sin 1, cos 1);
    # the time part (sin z, cos z, sin z/100, cos z/100) (10000^(2/4) = 100) is added
    s, c = math.sin(1.0), math.cos(1.0)
    for z in (1, 2):
        hand = [s + math.sin(z), c + math.cos(z), s + math.sin(z / 100), c + math.cos(z / 100)]
        assert torch.allclose(pos[0, z - 1, :, 0, 0], torch.tensor(hand), atol=1e-6)


def test_bad_configs_and_inputs_name_the_field():
    cfg = dict(
        type="Mask2FormerHead",
        in_channels=[4, 8, 8, 8],
        feat_channels=C,
        out_channels=C,
        num_classes=NUM_CLASSES,
        num_frames=T,
        num_queries=Q,
        pixel_decoder=dict(type="StandInPixelDecoder"),
        transformer_decoder=dict(
            num_layers=1,
            layer_cfg=dict(
                self_attn_cfg=dict(embed_dims=C, num_heads=2),
                cross_attn_cfg=dict(embed_dims=C, num_heads=2),
            ),
        ),
        positional_encoding=dict(type="SinePositionalEncoding3D", num_feats=C // 2),
    )
    with pytest.raises(ValueError, match="class_weight must have num_classes \\+ 1 = 4"):
        MODELS.build(dict(cfg, loss_cls=dict(type="CrossEntropyLoss", class_weight=[1.0] * 3)))
    with pytest.raises(ValueError, match="sampler must be MaskPseudoSampler"):
        MODELS.build(
            dict(
                cfg,
                train_cfg=dict(
                    assigner=dict(
                        type="HungarianAssigner", match_costs=dict(type="ClassificationCost")
                    ),
                    sampler=dict(type="RandomSampler"),
                ),
            )
        )
    head = make_head()
    bad = clip([[(1, 0, (0, 0, 8, 8))], [(1, 0, (0, 0, 8, 8))]])
    bad[1].gt_instances.masks = bad[1].gt_instances.masks[:, :32]
    with pytest.raises(ValueError, match="frame 1 of a clip has masks of size"):
        head.preprocess_gt([bad])


def test_masks_to_boxes_by_hand():
    from mmtrack.models.track_heads.mask2former_head import masks_to_boxes

    masks = torch.zeros(2, 8, 10, dtype=torch.bool)
    masks[0, 2:5, 3:7] = True  # rows 2-4, columns 3-6
    assert masks_to_boxes(masks).tolist() == [[3.0, 2.0, 7.0, 5.0], [0.0, 0.0, 0.0, 0.0]]
