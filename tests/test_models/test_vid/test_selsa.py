"""SELSA: aggregator maths by hand, box head wiring, losses, test-time reference memory."""

import math

import pytest
import torch

from mmtrack.models.aggregators import SelsaAggregator
from mmtrack.registry import MODELS
from mmtrack.utils import register_all_modules
from tests.helpers.vid import tiny_selsa_cfg, vid_clip

register_all_modules()


def _aggregator_by_hand(agg, x, ref_x):
    """Multi-head attention written with loops over heads and proposals."""
    heads = agg.num_attention_blocks
    c = x.shape[1]
    d = c // heads
    q = x @ agg.fc_embed.weight.T + agg.fc_embed.bias
    k = ref_x @ agg.ref_fc_embed.weight.T + agg.ref_fc_embed.bias
    v = ref_x @ agg.ref_fc.weight.T + agg.ref_fc.bias
    out = torch.zeros_like(x)
    for h in range(heads):
        sl = slice(h * d, (h + 1) * d)
        for n in range(x.shape[0]):
            logits = torch.stack(
                [(q[n, sl] * k[m, sl]).sum() / math.sqrt(d) for m in range(len(ref_x))]
            )
            w = torch.exp(logits - logits.max())
            w = w / w.sum()
            out[n, sl] = (w[:, None] * v[:, sl]).sum(0)
    return out @ agg.fc.weight.T + agg.fc.bias


def test_selsa_aggregator_matches_hand_attention():
    torch.manual_seed(0)
    agg = SelsaAggregator(in_channels=8, num_attention_blocks=2)
    x, ref_x = torch.randn(3, 8), torch.randn(5, 8)
    torch.testing.assert_close(agg(x, ref_x), _aggregator_by_hand(agg, x, ref_x))


def test_selsa_aggregator_one_reference_is_linear_map():
    # with a single reference proposal every softmax weight is 1
    torch.manual_seed(1)
    agg = SelsaAggregator(in_channels=4, num_attention_blocks=4)
    x, ref = torch.randn(6, 4), torch.randn(1, 4)
    expected = (agg.ref_fc(ref) @ agg.fc.weight.T + agg.fc.bias).expand(6, 4)
    torch.testing.assert_close(agg(x, ref), expected)


def test_selsa_aggregator_bad_channels():
    with pytest.raises(ValueError, match="in_channels=10, num_attention_blocks=4"):
        SelsaAggregator(in_channels=10, num_attention_blocks=4)


def test_selsa_bbox_head_adds_aggregation_after_each_fc():
    torch.manual_seed(0)
    head = MODELS.build(
        dict(
            type="SelsaBBoxHead",
            in_channels=2,
            roi_feat_size=2,
            num_shared_fcs=2,
            fc_out_channels=4,
            num_classes=2,
            aggregator=dict(type="SelsaAggregator", in_channels=4, num_attention_blocks=2),
        )
    )
    head.init_weights()
    x, ref = torch.randn(3, 2, 2, 2), torch.randn(4, 2, 2, 2)
    cls, reg = head(x, ref)
    # by hand: fc -> + aggregation -> relu, twice, for the key; fc -> relu for the refs
    a, r = x.flatten(1), ref.flatten(1)
    for fc, agg in zip(head.shared_fcs, head.aggregator):
        a, r = fc(a), fc(r)
        a = torch.relu(a + _aggregator_by_hand(agg, a, r))
        r = torch.relu(r)
    torch.testing.assert_close(cls, head.fc_cls(a))
    torch.testing.assert_close(reg, head.fc_reg(a))
    assert cls.shape == (3, 3) and reg.shape == (3, 8)


def test_selsa_loss_has_gradients_and_predict_memory():
    torch.manual_seed(0)
    model = MODELS.build(tiny_selsa_cfg())
    model.init_weights()
    inputs, clip = vid_clip(2, boxes=[[10, 10, 40, 50]], labels=[1])
    data = model.data_preprocessor(dict(inputs=[inputs[0]], data_samples=[clip]), training=True)
    losses = model(data["inputs"], data["data_samples"], mode="loss")
    assert {"loss_rpn_cls", "loss_rpn_bbox", "loss_cls", "loss_bbox", "acc"} <= set(losses)
    total = sum(v for k, v in losses.items() if "loss" in k)
    total.backward()
    agg_grad = model.detector.roi_head.bbox_head.aggregator[0].fc_embed.weight.grad
    assert agg_grad is not None and agg_grad.abs().sum() > 0

    model.eval()
    with torch.no_grad():
        # frame 0 with 4 references: memory of 4 frames
        inputs, clip = vid_clip(4, frame_id=0)
        data = model.data_preprocessor(dict(inputs=[inputs[0]], data_samples=[clip]))
        out = model(data["inputs"], data["data_samples"], mode="predict")
        assert len(model.memo_proposals) == 4
        assert model.memo_feats[0].shape[0] == 4
        pred = out[0][0].pred_det_instances
        assert pred.bboxes.shape[1] == 4 and len(pred.scores) == len(pred.labels)
        first = model.memo_feats[0][1:].clone()
        # frame 2 with one reference: ring buffer keeps 4, oldest dropped
        inputs, clip = vid_clip(1, frame_id=2, seed=3)
        data = model.data_preprocessor(dict(inputs=[inputs[0]], data_samples=[clip]))
        model(data["inputs"], data["data_samples"], mode="predict")
        assert model.memo_feats[0].shape[0] == 4
        torch.testing.assert_close(model.memo_feats[0][:3], first)
        # frame 3 alone: memory unchanged; frame 0 again resets it
        inputs, clip = vid_clip(0, frame_id=3, seed=4)
        data = model.data_preprocessor(dict(inputs=[inputs[0]], data_samples=[clip]))
        model(data["inputs"], data["data_samples"], mode="predict")
        assert model.memo_feats[0].shape[0] == 4
        inputs, clip = vid_clip(2, frame_id=0, seed=5)
        data = model.data_preprocessor(dict(inputs=[inputs[0]], data_samples=[clip]))
        model(data["inputs"], data["data_samples"], mode="predict")
        assert model.memo_feats[0].shape[0] == 2


def test_selsa_key_frame_detection_depends_on_references():
    torch.manual_seed(0)
    model = MODELS.build(tiny_selsa_cfg())
    model.init_weights()
    model.eval()
    model.detector.roi_head.test_cfg.score_thr = 0.0
    scores = []
    for seed in (7, 8):
        inputs, clip = vid_clip(3, frame_id=0, seed=seed)
        inputs[0, 0] = torch.linspace(-2, 2, 64 * 96).view(1, 64, 96)  # same key frame
        data = model.data_preprocessor(dict(inputs=[inputs[0]], data_samples=[clip]))
        with torch.no_grad():
            out = model(data["inputs"], data["data_samples"], mode="predict")
        scores.append(out[0][0].pred_det_instances.scores)
    assert len(scores[0]) > 0
    n = min(len(scores[0]), len(scores[1]))
    assert not torch.allclose(scores[0][:n], scores[1][:n])


def test_selsa_errors():
    model = MODELS.build(tiny_selsa_cfg())
    inputs, clip = vid_clip(0, boxes=[[10, 10, 40, 50]], labels=[1])
    with pytest.raises(ValueError, match="reference frames"):
        model.loss(inputs, [clip])
    inputs, clip = vid_clip(1)
    clip[0].set_metainfo(dict(frame_id=-1))
    with pytest.raises(ValueError, match="frame_id"):
        model.eval()
        model.predict(inputs, [clip])
    with pytest.raises(ValueError, match=r"\(N, T, C, H, W\)"):
        model(inputs[0], [clip], mode="predict")
    cfg = tiny_selsa_cfg()
    cfg["detector"]["roi_head"]["mask_head"] = dict(type="FCNMaskHead")
    with pytest.raises(ValueError, match="mask heads"):
        MODELS.build(cfg)


def test_troialign_most_similar_and_attention_by_hand():
    torch.manual_seed(0)
    ext = MODELS.build(
        dict(
            type="TemporalRoIAlign",
            num_most_similar_points=2,
            num_temporal_attention_blocks=2,
            roi_layer=dict(type="RoIAlign", output_size=1, sampling_ratio=1),
            out_channels=4,
            featmap_strides=[1],
        )
    )
    roi = torch.randn(1, 4, 1, 1)
    ref = torch.randn(2, 4, 2, 2)
    got = ext.most_similar_roi_align(roi, ref)
    # by hand: per reference, the two positions of highest cosine similarity,
    # weighted by the softmax of the two similarities
    q = roi[0, :, 0, 0] / roi[0, :, 0, 0].norm()
    for r in range(2):
        cols = ref[r].reshape(4, -1)
        sims = [(q @ (cols[:, p] / cols[:, p].norm())).item() for p in range(4)]
        top = sorted(range(4), key=lambda p: -sims[p])[:2]
        w = torch.tensor([sims[p] for p in top]).softmax(0)
        expect = w[0] * cols[:, top[0]] + w[1] * cols[:, top[1]]
        torch.testing.assert_close(got[r, 0, :, 0, 0], expect)


def test_selsa_with_troialign_trains_and_predicts():
    torch.manual_seed(0)
    model = MODELS.build(tiny_selsa_cfg(troi=True))
    model.init_weights()
    inputs, clip = vid_clip(2, boxes=[[10, 10, 40, 50]], labels=[2])
    data = model.data_preprocessor(dict(inputs=[inputs[0]], data_samples=[clip]), training=True)
    losses = model(data["inputs"], data["data_samples"], mode="loss")
    sum(v for k, v in losses.items() if "loss" in k).backward()
    grad = model.detector.roi_head.bbox_roi_extractor.embed_network.conv.weight.grad
    assert grad is not None and grad.abs().sum() > 0
    model.eval()
    inputs, clip = vid_clip(3, frame_id=0)
    data = model.data_preprocessor(dict(inputs=[inputs[0]], data_samples=[clip]))
    with torch.no_grad():
        out = model(data["inputs"], data["data_samples"], mode="predict")
    assert "pred_det_instances" in out[0][0]
