"""MixFormer: mixed-attention masks, cached test path, corner soft-argmax, score decoder,
losses and the score-gated online template schedule, checked by hand."""

import math

import pytest
import torch
from mmengine.structures import InstanceData

from mmtrack.registry import MODELS
from mmtrack.structures import DetDataSample, TrackDataSample
from mmtrack.utils import register_all_modules

register_all_modules()


def _tiny(**test_cfg):
    """CvT of 3 stages at 16 / 24 / 32 channels; 64 px templates, 128 px search (8x8 map)."""
    cfg = dict(
        search_factor=4.5,
        search_size=128,
        template_factor=2.0,
        template_size=64,
        update_interval=[3],
        online_size=[2],
        max_score_decay=[1.0],
    )
    cfg.update(test_cfg)
    model = MODELS.build(
        dict(
            type="MixFormer",
            backbone=dict(
                type="ConvVisionTransformer",
                dim_embed=[16, 24, 32],
                num_heads=[1, 2, 2],
                depth=[1, 1, 2],
                path_drop_probs=[0.0, 0.0, 0.0],
            ),
            head=dict(
                type="MixFormerHead",
                bbox_head=dict(
                    type="CornerPredictorHead", inplanes=32, channel=16, feat_size=8, stride=16
                ),
                score_head=dict(
                    type="MixFormerScoreDecoder",
                    pool_size=2,
                    feat_size=8,
                    stride=16,
                    num_heads=2,
                    hidden_dim=32,
                    num_layers=3,
                ),
            ),
            test_cfg=cfg,
        )
    )
    torch.manual_seed(0)
    model.init_weights()
    return model


def test_template_tokens_do_not_attend_to_search_tokens():
    backbone = _tiny().eval().backbone
    torch.manual_seed(1)
    t, o, s = torch.randn(2, 3, 64, 64), torch.randn(2, 3, 64, 64), torch.randn(2, 3, 128, 128)
    with torch.no_grad():
        ft, fs = backbone(t, o, s)
        ft2, fs2 = backbone(t, o, s + torch.randn_like(s))
        ft3, fs3 = backbone(t, o + torch.randn_like(o), s)
    assert ft.shape == (2, 32, 4, 4) and fs.shape == (2, 32, 8, 8)
    # another search crop: the template features are bit-identical, the search ones change
    assert torch.equal(ft, ft2)
    assert (fs - fs2).abs().max() > 1e-2
    # another online template: both change (templates attend to each other, search to both)
    assert (ft - ft3).abs().max() > 1e-3 and (fs - fs3).abs().max() > 1e-3


def test_projection_bn_keeps_running_statistics_in_training():
    backbone = _tiny().backbone.train()
    bn = backbone.stage0.blocks[0].attn.conv_proj_q.bn
    assert not bn.training and not bn.weight.requires_grad
    backbone(torch.randn(2, 3, 64, 64), torch.randn(2, 3, 64, 64), torch.randn(2, 3, 128, 128))
    assert torch.equal(bn.running_mean, torch.zeros_like(bn.running_mean))
    assert backbone.stage0.blocks[0].norm1.training


def test_cached_test_path_equals_joint_pass():
    backbone = _tiny().eval().backbone
    torch.manual_seed(2)
    t, o, s = torch.randn(1, 3, 64, 64), torch.randn(1, 3, 64, 64), torch.randn(3, 3, 128, 128)
    with torch.no_grad():
        ft, fs = backbone(t.expand(3, -1, -1, -1), o.expand(3, -1, -1, -1), s)
        backbone.set_online(t, o)
        ft_test, fs_test = backbone.forward_test(s)
    torch.testing.assert_close(fs_test, fs, atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(ft_test, ft[:1], atol=1e-5, rtol=1e-4)
    with pytest.raises(RuntimeError, match="before set_online"):
        _tiny().backbone.forward_test(s)


def test_corner_soft_argmax_by_hand(monkeypatch):
    head = _tiny().head
    # top-left logits: 0 at cells (row 1, col 2) and (row 3, col 0), -inf elsewhere
    tl = torch.full((1, 1, 8, 8), -float("inf"))
    tl[0, 0, 1, 2] = tl[0, 0, 3, 0] = 0.0
    # bottom-right: logit log(3) at (6, 5), 0 at (7, 7): weights 3/4 and 1/4
    br = torch.full((1, 1, 8, 8), -float("inf"))
    br[0, 0, 6, 5], br[0, 0, 7, 7] = math.log(3.0), 0.0
    monkeypatch.setattr(head.bbox_head, "get_score_map", lambda x: (tl, br))
    box = head.forward_bbox_head(torch.zeros(1, 32, 8, 8))
    # cell (i, j) is pixel (16 j, 16 i): tl = mean of (32, 16) and (0, 48);
    # br = 3/4 (80, 96) + 1/4 (112, 112)
    expected = torch.tensor([[[16.0, 32.0, 88.0, 100.0]]])
    torch.testing.assert_close(box, expected)


def test_score_decoder_reads_only_the_box_and_the_template():
    decoder = _tiny().eval().head.score_decoder_head
    torch.manual_seed(3)
    search, template = torch.randn(1, 32, 8, 8), torch.randn(1, 32, 4, 4)
    box = torch.tensor([[32.0, 32.0, 64.0, 80.0]])  # cells x 2..4, y 2..5 in the 8x8 map
    with torch.no_grad():
        score = decoder(search, template, box)
        far = search.clone()
        far[..., 7, :] += 5.0  # row 7 and column 0: beyond the box's interpolation reach
        far[..., :, 0] += 5.0
        same = decoder(far, template, box)
        near = search.clone()
        near[..., 3, 3] += 5.0
        other_template = decoder(search, template + 1.0, box)
        other_box = decoder(search, template, torch.tensor([[0.0, 0.0, 30.0, 30.0]]))
    assert score.shape == (1, 1, 1)
    torch.testing.assert_close(same, score)
    with torch.no_grad():
        assert (decoder(near, template, box) - score).abs() > 1e-4
    assert (other_template - score).abs() > 1e-4 and (other_box - score).abs() > 1e-4


def test_box_and_score_losses_by_hand():
    head = _tiny().head
    pred = torch.tensor([[[16.0, 16.0, 80.0, 80.0]]])  # crop 128: (0.125, 0.125, 0.625, 0.625)
    gt = torch.tensor([[32.0, 16.0, 96.0, 80.0]])  # (0.25, 0.125, 0.75, 0.625)
    losses = head.loss(dict(pred_bboxes=pred), gt, img_size=(128, 128))
    # L1: mean |d| = (0.125 + 0 + 0.125 + 0) / 4; x5
    assert losses["loss_bbox"].item() == pytest.approx(5 * 0.0625)
    # IoU: overlap 0.375 x 0.5, union 2 x 0.25 - 0.1875, hull = union area (0.625 x 0.5)
    iou = 0.1875 / (0.5 - 0.1875)
    giou = iou - (0.3125 - 0.3125) / 0.3125
    assert losses["loss_iou"].item() == pytest.approx(2 * (1 - giou))
    # a degenerate prediction (x2 < x1) is left out of the GIoU, not the whole batch
    both = torch.cat([pred, torch.tensor([[[90.0, 16.0, 80.0, 80.0]]])])
    losses2 = head.loss(dict(pred_bboxes=both), torch.cat([gt, gt]), img_size=(128, 128))
    assert losses2["loss_iou"].item() == pytest.approx(2 * (1 - giou))
    logits = torch.tensor([[[2.0]], [[-1.0]]])
    labels = torch.tensor([1, 0])
    cls = head.loss(dict(pred_bboxes=pred, pred_scores=logits), gt, labels)["loss_cls"]
    bce = (math.log(1 + math.exp(-2.0)) + math.log(1 + math.exp(-1.0))) / 2
    assert cls.item() == pytest.approx(bce)


def test_stage2_trains_only_the_score_decoder():
    cfg_model = _tiny()
    cfg = dict(
        type="MixFormer",
        backbone=dict(type="ConvVisionTransformer", dim_embed=[16, 24, 32], num_heads=[1, 2, 2],
                      depth=[1, 1, 1]),
        head=dict(
            type="MixFormerHead",
            bbox_head=dict(type="CornerPredictorHead", inplanes=32, channel=16, feat_size=8),
            score_head=dict(type="MixFormerScoreDecoder", pool_size=2, feat_size=8, num_heads=2,
                            hidden_dim=32),
        ),
        frozen_modules=["backbone", "head.bbox_head"],
        train_cfg=dict(stage=2),
        test_cfg=dict(cfg_model.test_cfg),
    )  # fmt: skip
    model = MODELS.build(cfg)
    model.train()
    assert not model.backbone.training and not model.head.bbox_head.training
    samples = []
    for label in (1, 0):
        frames = [DetDataSample() for _ in range(3)]
        frames[2].gt_instances = InstanceData(
            bboxes=torch.tensor([[30.0, 30.0, 90.0, 100.0]]), labels=torch.tensor([label])
        )
        sample = TrackDataSample()
        sample.video_data_samples = frames
        samples.append(sample)
    inputs = dict(img=torch.randn(2, 2, 3, 64, 64), search_img=torch.randn(2, 1, 3, 128, 128))
    losses = model.loss(inputs, samples)
    assert set(losses) == {"loss_cls"}
    losses["loss_cls"].backward()
    assert all(p.grad is None for p in model.backbone.parameters())
    assert all(p.grad is None for p in model.head.bbox_head.parameters())
    assert all(p.grad is not None for p in model.head.score_decoder_head.parameters())
    stage1 = MODELS.build(dict(cfg, frozen_modules=None, train_cfg=dict(stage=1)))
    assert set(stage1.loss(inputs, samples)) == {"loss_bbox", "loss_iou"}
    with pytest.raises(ValueError, match="no sub-module named 'head.box_head'"):
        MODELS.build(dict(cfg, frozen_modules=["head.box_head"]))
    with pytest.raises(ValueError, match="stage must be 1 or 2"):
        MODELS.build(dict(cfg, train_cfg=dict(stage=3)))


def test_online_template_schedule_by_hand(monkeypatch):
    """update_interval 3, online_size 2: the best crop with score > 0.5 since the last
    update is appended, then replaces the oldest online template in turn."""
    model = _tiny().eval()
    crops = iter(range(1, 100))
    monkeypatch.setattr(
        model, "_crop_template", lambda img, box: torch.full((1, 1), float(next(crops)))
    )
    calls = []
    monkeypatch.setattr(model, "set_online", lambda t, o: calls.append(o.flatten().tolist()))
    img = torch.zeros(3, 60, 80)
    model.init(img, torch.tensor([10.0, 10.0, 30.0, 30.0]))  # template = crop 1
    assert calls == [[1.0]]
    # (frame, score): crops are numbered in the order they are taken
    schedule = [(1, 0.7), (2, 0.6), (3, 0.4), (4, 0.9), (5, 0.95), (6, 0.3), (7, 0.2), (8, 0.1),
                (9, 0.6), (10, 0.8), (11, 0.55), (12, 0.9)]  # fmt: skip
    renewed = []
    for frame_id, score in schedule:
        model.frame_id = frame_id
        if model.update_template(img, torch.tensor([20.0, 20.0, 20.0, 20.0]), score):
            renewed.append(frame_id)
    # frame 1: 0.7 > 0.5 -> crop 2 best; frame 2: 0.6 < 0.7 kept; frame 3: update, append 2
    # -> [1, 2], best reset to the template (crop 1, -1). frame 4: crop 3 (0.9), frame 5:
    # crop 4 (0.95); frame 6: update, online full -> replace slot 0 -> [4, 2]. frames 7, 8:
    # nothing above 0.5; frame 9: crop 5 (0.6) and update -> slot 1 -> [4, 5]. frame 10:
    # crop 6 (0.8); 11: 0.55 < 0.8; 12: crop 7 (0.9) -> slot 0 -> [7, 5]
    assert renewed == [3, 6, 9, 12]
    assert calls[1:] == [[1.0, 2.0], [4.0, 2.0], [4.0, 5.0], [7.0, 5.0]]
    # a window with no score > 0.5 renews with the first template
    for frame_id in (13, 14, 15):
        model.frame_id = frame_id
        model.update_template(img, torch.tensor([20.0, 20.0, 20.0, 20.0]), 0.2)
    assert calls[-1] == [7.0, 1.0]


def test_track_decays_the_best_score_and_maps_back(monkeypatch):
    model = _tiny(update_interval=[100], max_score_decay=[0.5]).eval()
    img = torch.rand(3, 120, 160)
    model.init(img, torch.tensor([60.0, 40.0, 80.0, 60.0]))  # cxcywh (70, 50, 20, 20)
    scores = iter([1.2, 0.0])  # sigmoid 0.769, 0.5
    monkeypatch.setattr(
        model.head,
        "forward",
        lambda t, s: dict(
            pred_bboxes=torch.tensor([[[54.0, 54.0, 74.0, 74.0]]]),
            pred_scores=torch.full((1, 1, 1), next(scores)),
        ),
    )
    model.frame_id = 1
    box, score = model.track(img)
    # crop side ceil(20 x 4.5) = 90 -> resize factor 128 / 90; the crop centre (64, 64)
    # is the previous centre (70, 50): (54, 54, 74, 74) -> 70 + (54 - 64) x 90 / 128 ...
    f = 90 / 128
    expected = torch.tensor([70 - 10 * f, 50 - 10 * f, 70 + 10 * f, 50 + 10 * f])
    torch.testing.assert_close(box, expected)
    assert score == pytest.approx(1 / (1 + math.exp(-1.2)))
    assert model.memo["best_conf_score"] == pytest.approx(score)
    model.frame_id = 2
    model.track(img)
    # decayed to 0.385 before scoring 0.5: 0.5 > 0.385, but not > 0.5, so kept (decayed)
    assert model.memo["best_conf_score"] == pytest.approx(0.5 * score)


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


def test_config_errors_name_the_field():
    with pytest.raises(KeyError, match="unknown keys \\['update_intervals'\\]"):
        _tiny(update_intervals=[3])
    with pytest.raises(ValueError, match="search_size 160 must equal"):
        _tiny(search_size=160)
