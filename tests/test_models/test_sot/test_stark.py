"""STARK: soft-argmax, sine positions, losses and map-back by hand, the template
update schedule, bad init boxes."""

import logging
import math

import pytest
import torch
from mmengine.logging import MMLogger
from mmengine.structures import InstanceData

from mmtrack.models.sot.stark import stark_crop
from mmtrack.registry import MODELS
from mmtrack.structures import DetDataSample, TrackDataSample
from mmtrack.utils import register_all_modules

register_all_modules()
MMLogger.get_current_instance().setLevel(logging.WARNING)

DIMS = 16


def _layer(order, n_attn):
    return dict(
        type="BaseTransformerLayer",
        attn_cfgs=[
            dict(
                type="MultiheadAttention",
                embed_dims=DIMS,
                num_heads=2,
                attn_drop=0.1,
                dropout_layer=dict(type="Dropout", drop_prob=0.1),
            )
        ]
        * n_attn,
        ffn_cfgs=dict(feedforward_channels=32, embed_dims=DIMS, ffn_drop=0.1),
        operation_order=order,
    )


def _tiny(st2=False, update_intervals=(200,)):
    head = dict(
        type="StarkHead",
        num_querys=1,
        transformer=dict(
            type="StarkTransformer",
            encoder=dict(
                type="DetrTransformerEncoder",
                num_layers=1,
                transformerlayers=_layer(("self_attn", "norm", "ffn", "norm"), 1),
            ),
            decoder=dict(
                type="DetrTransformerDecoder",
                num_layers=1,
                transformerlayers=_layer(
                    ("self_attn", "norm", "cross_attn", "norm", "ffn", "norm"), 2
                ),
            ),
        ),
        positional_encoding=dict(
            type="SinePositionalEncoding", num_feats=DIMS // 2, normalize=True
        ),
        bbox_head=dict(type="CornerPredictorHead", inplanes=DIMS, channel=DIMS, feat_size=4),
    )
    cfg = dict(
        type="Stark",
        backbone=dict(
            type="ResNet",
            depth=18,
            num_stages=3,
            strides=(1, 2, 2),
            dilations=(1, 1, 1),
            out_indices=(2,),
            norm_eval=True,
            norm_cfg=dict(type="BN", requires_grad=False),
        ),
        neck=dict(
            type="ChannelMapper", in_channels=[256], out_channels=DIMS, kernel_size=1, act_cfg=None
        ),
        head=head,
        test_cfg=dict(search_size=64, template_size=32, update_intervals=list(update_intervals)),
    )
    if st2:
        head.update(
            cls_head=dict(
                type="ScoreHead", input_dim=DIMS, hidden_dim=DIMS, output_dim=1, num_layers=3
            ),
            frozen_modules=["transformer", "bbox_head", "query_embedding"],
            loss_cls=dict(type="CrossEntropyLoss", use_sigmoid=True),
        )
        cfg["frozen_modules"] = ["backbone", "neck"]
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def test_soft_argmax_by_hand():
    head = MODELS.build(
        dict(type="CornerPredictorHead", inplanes=8, channel=8, feat_size=2, stride=16)
    )
    # probabilities 1/6, 3/6 (row 0, column 1), 1/6, 1/6; cell (i, j) is pixel (16 j, 16 i)
    score = torch.tensor([[[[0.0, math.log(3.0)], [0.0, 0.0]]]])
    x, y = head.soft_argmax(score)
    torch.testing.assert_close(x, torch.tensor([16 * 4 / 6]))
    torch.testing.assert_close(y, torch.tensor([16 * 2 / 6]))


def test_sine_positional_encoding_by_hand():
    pe = MODELS.build(dict(type="SinePositionalEncoding", num_feats=2, normalize=True))
    pos = pe(torch.zeros(1, 1, 2, dtype=torch.bool))
    # x = (1, 2) / 2 * 2 pi = (pi, 2 pi), y = 2 pi; channels sin y, cos y, sin x, cos x
    expect = torch.tensor([[0.0, 0.0], [1.0, 1.0], [0.0, 0.0], [-1.0, 1.0]]).view(1, 4, 1, 2)
    torch.testing.assert_close(pos, expect, atol=1e-5, rtol=0)
    # a padded pixel adds nothing to the running count
    pos = pe(torch.tensor([[[False, True]]]))
    torch.testing.assert_close(pos[0, 3, 0], torch.tensor([1.0, 1.0]), atol=1e-5, rtol=0)


def test_st1_and_st2_losses_by_hand():
    st1 = _tiny()
    # 64 px crop: pred (0, 0, .5, .5), gt (0, 0, .5, 1) normalised
    pred = dict(pred_bboxes=torch.tensor([[[0.0, 0.0, 32.0, 32.0]]]))
    losses = st1.head.loss(pred, torch.tensor([[0.0, 0.0, 32.0, 64.0]]), None, (64, 64))
    # L1: mean(0, 0, 0, .5) x 5; GIoU: IoU .25 / .5, enclosing = union -> (1 - .5) x 2
    assert losses["loss_bbox"].item() == pytest.approx(0.625)
    assert losses["loss_iou"].item() == pytest.approx(1.0, abs=1e-5)
    bad = dict(pred_bboxes=torch.tensor([[[40.0, 0.0, 32.0, 32.0]]]))
    assert (
        st1.head.loss(bad, torch.tensor([[0.0, 0.0, 32.0, 64.0]]), None, (64, 64))[
            "loss_iou"
        ].item()
        == 0.0
    )
    st2 = _tiny(st2=True)
    logits = dict(pred_logits=torch.tensor([[[0.0]], [[math.log(3.0)]]]))
    loss = st2.head.loss(logits, torch.zeros(2, 4), torch.tensor([1, 0]))["loss_cls"]
    # -log(1/2) and -log(1 - 3/4), averaged
    assert loss.item() == pytest.approx((math.log(2) + math.log(4)) / 2, abs=1e-5)
    trainable = {
        n.split(".")[0] + "." + n.split(".")[1]
        for n, p in st2.named_parameters()
        if p.requires_grad
    }
    assert trainable == {"head.cls_head"}


def test_stark_crop_mask_and_too_small_box():
    img = torch.ones(1, 10, 10)
    # box centre (2, 2), 4 x 4, factor 2: side 8 from -2 to 6
    crop, factor, mask = stark_crop(img, [2, 2, 4, 4], 2.0, 8)
    assert factor == 1.0
    assert mask[0, :2].all() and mask[0, :, :2].all() and not mask[0, 2:, 2:].any()
    assert crop[0, 0, 2:, 2:].eq(1).all() and crop[0, 0, :2].eq(0).all()
    with pytest.raises(ValueError, match="too small"):
        stark_crop(img, [2, 2, 0, 0], 2.0, 8)


def _fake_head(model, scores):
    calls = iter(scores)

    def forward(inputs):
        out = dict(pred_bboxes=torch.tensor([[[16.0, 16.0, 48.0, 48.0]]]))
        if model.head.cls_head is not None:
            out["pred_logits"] = torch.tensor([[[next(calls)]]])
        return out

    return forward


def test_map_back_and_template_update_schedule(monkeypatch):
    model = _tiny(st2=True, update_intervals=(3, 5)).eval()
    img = torch.zeros(3, 160, 200)
    model.frame_id = 0
    model.init(img, torch.tensor([60.0, 40.0, 80.0, 60.0]))
    assert len(model.memo["templates"]) == 3
    # logit 2 (sigmoid .88) on every frame but frame 6 (logit -2)
    scores = [2.0 if f != 6 else -2.0 for f in range(1, 13)]
    monkeypatch.setattr(model.head, "forward", _fake_head(model, scores))
    updates = {0: [], 1: []}
    for frame_id in range(1, 13):
        model.frame_id = frame_id
        before = list(model.memo["templates"])
        box, score = model.track(img)
        for i in (0, 1):
            if model.memo["templates"][i + 1] is not before[i + 1]:
                updates[i].append(frame_id)
        assert model.memo["templates"][0] is before[0]
        if frame_id == 1:
            # side ceil(20 * 5) = 100 -> 64 px (0.64); (16, 16, 48, 48) / 0.64 = (25, 25, 75, 75),
            # shifted by the crop corner (70 - 50, 50 - 50)
            torch.testing.assert_close(box, torch.tensor([45.0, 25.0, 95.0, 75.0]))
            assert score == pytest.approx(1 / (1 + math.exp(-2)))
    assert updates == {0: [3, 9, 12], 1: [5, 10]}


def test_bad_init_boxes_give_one_clear_error():
    model = _tiny().eval()
    for box, msg in (
        ([10, 10, 10, 30], "zero or negative size"),
        ([float("nan"), 1, 5, 5], "finite"),
        ([500, 500, 520, 520], "outside"),
    ):
        frame = DetDataSample(metainfo=dict(frame_id=0, init_bbox=box, ori_shape=(60, 80)))
        frame.gt_instances = InstanceData(bboxes=torch.zeros(1, 4))
        sample = TrackDataSample()
        sample.video_data_samples = [frame]
        with pytest.raises(ValueError, match=msg):
            model.predict(dict(img=torch.zeros(1, 1, 3, 60, 80)), [sample])
