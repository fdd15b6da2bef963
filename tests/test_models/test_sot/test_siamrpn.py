"""SiamRPN++: correlation, crops, test-time post-processing by hand, targets, the
MMTracking 0.14 checkpoint layout, configs, the unfreeze hook, the LR ramp, errors."""

import logging
import math
import types

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.structures import InstanceData

from mmtrack.engine.hooks import SiamRPNBackboneUnfreezeHook
from mmtrack.models.sot import base as sot_base
from mmtrack.models.sot.base import get_cropped_img
from mmtrack.registry import MODELS, PARAM_SCHEDULERS
from mmtrack.structures import TrackDataSample
from mmtrack.structures.det_data_sample import DetDataSample
from mmtrack.utils import register_all_modules
from mmtrack.utils.checkpoint import load_checkpoint

register_all_modules()
MMLogger.get_current_instance().setLevel(logging.WARNING)

CONFIGS = "configs/sot/siamese_rpn"
TRAIN_RPN = dict(
    assigner=dict(
        type="MaxIoUAssigner",
        pos_iou_thr=0.6,
        neg_iou_thr=0.3,
        min_pos_iou=0.6,
        match_low_quality=False,
    ),
    sampler=dict(type="RandomSampler", num=64, pos_fraction=0.25, add_gt_as_proposals=False),
    num_neg=16,
    exemplar_size=127,
    search_size=255,
)


def _tiny(ratios=(0.33, 0.5, 1, 2, 3), **rpn):
    cfg = dict(
        type="SiamRPN",
        backbone=dict(
            type="SOTResNet",
            depth=18,
            base_channels=8,
            stem_channels=8,
            out_indices=(1, 2, 3),
            frozen_stages=-1,
            strides=(1, 2, 1, 1),
            dilations=(1, 1, 2, 4),
            norm_eval=False,
            init_cfg=None,
        ),
        neck=dict(
            type="ChannelMapper",
            in_channels=[16, 32, 64],
            out_channels=16,
            kernel_size=1,
            norm_cfg=dict(type="BN"),
            act_cfg=None,
        ),
        head=dict(
            type="SiameseRPNHead",
            anchor_generator=dict(
                type="SiameseRPNAnchorGenerator", strides=[8], ratios=list(ratios), scales=[8]
            ),
            in_channels=[16, 16, 16],
            weighted_sum=True,
        ),
        train_cfg=dict(rpn=TRAIN_RPN),
        test_cfg=dict(
            exemplar_size=127,
            search_size=255,
            context_amount=0.5,
            center_size=7,
            rpn=dict(dict(penalty_k=0.05, window_influence=0.42, lr=0.38), **rpn),
        ),
    )
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def test_correlation_head_is_depthwise():
    head = MODELS.build(dict(type="CorrelationHead", in_channels=2, mid_channels=2, out_channels=3))
    head.eval()
    for conv in (head.kernel_convs, head.search_convs):  # identity 3x3 convs, identity BN
        w = torch.zeros(2, 2, 3, 3)
        w[0, 0, 1, 1] = w[1, 1, 1, 1] = 1.0
        conv.conv.weight.data.copy_(w)
    head.head_convs[0].conv.weight.data.copy_(torch.eye(2).view(2, 2, 1, 1))
    head.head_convs[1].conv.weight.data.zero_()
    head.head_convs[1].conv.weight.data[0, 0] = 1.0  # out 0: channel 0
    head.head_convs[1].conv.weight.data[1, 1] = 1.0  # out 1: channel 1
    head.head_convs[1].conv.bias.data.copy_(torch.tensor([0.0, 0.0, 5.0]))
    kernel = torch.zeros(1, 2, 5, 5)  # after the unpadded 3x3 conv: its 3x3 centre
    kernel[0, 0, 2, 2] = 2.0  # channel 0: a single tap (x2)
    kernel[0, 1, 1:4, 1:4] = 1.0  # channel 1: a 3x3 box sum
    search = torch.rand(1, 2, 8, 8)
    out = head(kernel, search)
    assert out.shape == (1, 3, 4, 4)
    inner = search[0, :, 1:7, 1:7]  # the search conv also drops a 1-px border
    # channel 0 correlates only with channel 0's kernel, channel 1 with channel 1's
    # (tolerance: the BN layers divide by sqrt(1 + eps))
    tol = dict(rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(out[0, 0], 2.0 * inner[0, 1:5, 1:5], **tol)
    box = sum(inner[1, i : i + 4, j : j + 4] for i in range(3) for j in range(3))
    torch.testing.assert_close(out[0, 1], box, **tol)
    assert torch.all(out[0, 2] == 5.0)


def test_get_cropped_img_mmtracking_arithmetic(monkeypatch):
    img = torch.arange(6 * 8, dtype=torch.float32).view(1, 1, 6, 8)
    avg = torch.tensor([-1.0])
    # centre (1, 2), side 4: x from int(-1) = -1 to int(3) = 3, y from 0 to 4
    crop = get_cropped_img(img, (1.0, 2.0), 5, 4.0, avg)
    assert crop.shape == (1, 1, 5, 5)
    assert crop[0, 0, :, 0].tolist() == [-1.0] * 5
    torch.testing.assert_close(crop[0, 0, :, 1:], img[0, 0, 0:5, 0:4])
    # past the right edge: x from 5 to int(9) = 9 pads x2 - W = 1 column, and the
    # slice 5..9 of the 9-wide canvas keeps 4 columns (MMTracking's crop)
    monkeypatch.setattr(sot_base.F, "interpolate", lambda x, size, **kw: x)
    crop = get_cropped_img(img, (7.0, 3.0), 5, 4.0, avg)
    assert crop.shape == (1, 1, 5, 4)
    torch.testing.assert_close(crop[0, 0, :, :3], img[0, 0, 1:6, 5:8])
    assert crop[0, 0, :, 3].tolist() == [-1.0] * 5
    with pytest.raises(ValueError, match="crop_size must be a positive number"):
        get_cropped_img(img, (1.0, 2.0), 5, float("nan"), avg)


def test_get_bbox_window_penalty_and_lr_by_hand():
    head = MODELS.build(
        dict(
            type="SiameseRPNHead",
            anchor_generator=dict(
                type="SiameseRPNAnchorGenerator", strides=[8], ratios=[1.0], scales=[8]
            ),
            in_channels=[4],
            test_cfg=dict(penalty_k=0.05, window_influence=0.1, lr=0.38),
        )
    )
    # one 64 x 64 anchor per cell of a 3 x 3 map; centres at (col - 1) * 8, (row - 1) * 8
    cls = torch.zeros(1, 2, 3, 3)
    cls[0, 1, 0, 2] = 3.0  # foreground logit of the cell at row 0, col 2
    reg = torch.zeros(1, 4, 3, 3)
    reg[0, 2, 0, 2] = math.log(1.5)  # that cell's box is 96 x 64
    prev = torch.tensor([100.0, 50.0, 32.0, 32.0])  # cx, cy, w, h image px
    score, box = head.get_bbox(cls, reg, prev, 2.0)  # crop px per image px

    s = 1 / (1 + math.exp(-3.0))  # softmax of (0, 3)

    def padded(w, h):
        p = (w + h) / 2
        return math.sqrt((w + p) * (h + p))

    scale_change = padded(96, 64) / padded(64, 64)  # the previous box is 64 x 64 crop px
    ratio_change = 1.5  # aspect 1 -> 1.5
    penalty = math.exp(-(ratio_change * scale_change - 1) * 0.05)
    # np.hanning(3) = [0, 1, 0]: the window is 1 at the centre cell only; the
    # centre cell (score 0.5) gets 0.5 * 0.9 + 0.1 = 0.55 < penalty * s * 0.9
    assert penalty * s * 0.9 > 0.55
    assert float(score) == pytest.approx(s, rel=1e-5)
    lr = penalty * s * 0.38
    expected = [100 + 8 / 2, 50 - 8 / 2, 32 * (1 - lr) + 48 * lr, 32.0]
    assert box.tolist() == pytest.approx(expected, rel=1e-5)

    # a strong cosine window keeps the centre cell: no move, size unchanged
    head.test_cfg = dict(penalty_k=0.05, window_influence=0.42, lr=0.38)
    _, box = head.get_bbox(cls, reg, prev, 2.0)
    assert box.tolist() == pytest.approx([100.0, 50.0, 32.0, 32.0])


def test_track_crops_clips_and_rounds(monkeypatch):
    model = _tiny().eval()
    img = torch.rand(3, 120, 160) * 255
    seen = []
    real_crop = sot_base.get_cropped_img

    def spy(img, center_xy, target_size, crop_size, avg_channel):
        seen.append((list(center_xy), target_size, crop_size))
        return real_crop(img, center_xy, target_size, crop_size, avg_channel)

    monkeypatch.setattr("mmtrack.models.sot.siamrpn.get_cropped_img", spy)
    with torch.no_grad():
        model.init(img, torch.tensor([60.0, 40.0, 80.0, 60.0]))  # 20 x 20 at (70, 50)
    # context side sqrt((20 + 20) * (20 + 20)) = 40 -> the 127 px exemplar
    assert seen[0] == ([70.0, 50.0], 127, 40.0)
    assert [f.shape[-1] for f in model.memo["z_feat"]] == [7, 7, 7]

    calls = []

    def fake_get_bbox(cls_score, bbox_pred, prev_bbox, scale_factor):
        calls.append((cls_score.shape, prev_bbox.tolist(), scale_factor))
        return torch.tensor(0.7), torch.tensor([70.4, 49.6, 25.3, 18.7])

    monkeypatch.setattr(model.head, "get_bbox", fake_get_bbox)
    with torch.no_grad():
        box, score = model.track(img)
    # search side round(40 * 255 / 127) = 80 px; search maps 31 x 31 -> scores 25 x 25
    assert seen[1] == ([70.0, 50.0], 255, 80.0)
    assert calls[0][0] == (1, 10, 25, 25)
    assert calls[0][2] == pytest.approx(127 / 40)
    assert score == pytest.approx(0.7)
    # the box is rounded (cx, cy, w, h) = (70, 50, 25, 19) before it is returned
    assert box.tolist() == pytest.approx([57.5, 40.5, 82.5, 59.5])

    monkeypatch.setattr(
        model.head, "get_bbox", lambda *a: (torch.tensor(0.1), torch.tensor([-5.2, 250, 4, 400]))
    )
    with torch.no_grad():
        box, _ = model.track(img)
    # centre clipped into the image, sizes into [10, image side]
    assert model.memo["bbox"].tolist() == [0.0, 120.0, 10.0, 120.0]


def _pair_sample(label, box):
    frames = []
    for b in ([[43.5, 43.5, 83.5, 83.5]], [box]):
        gt = InstanceData(bboxes=torch.tensor(b), labels=torch.tensor([label]))
        frames.append(DetDataSample(gt_instances=gt))
    sample = TrackDataSample()
    sample.video_data_samples = frames
    sample.set_metainfo(dict(key_frames_inds=[0], ref_frames_inds=[1]))
    return sample


def test_targets_of_positive_and_negative_pairs():
    torch.manual_seed(0)
    head = _tiny().head
    # the 64 x 64 anchor (ratio 1) of cell (12, 12), anchor 2: centred at 255 // 2 = 127
    gt = InstanceData(bboxes=torch.tensor([[95.0, 95.0, 159.0, 159.0]]), labels=torch.tensor([1]))
    neg = InstanceData(bboxes=torch.tensor([[40.0, 50.0, 80.0, 90.0]]), labels=torch.tensor([0]))
    labels, lw, bt, bw = head.get_targets([gt, neg], (25, 25))
    assert labels.shape == (2, 25 * 25 * 5) and bt.shape == (2, 25 * 25 * 5, 4)
    centre = (12 * 25 + 12) * 5 + 2
    assert (
        labels[0, centre] == 1
        and bw[0, centre].tolist() == [pytest.approx(0.5 / labels[0].sum())] * 4
    )
    assert bt[0, centre].abs().max() < 1e-5  # the anchor is the gt
    # positives and sampled negatives each carry half the weight, / batch size 2
    pos = labels[0] == 1
    assert lw[0][pos].sum() == pytest.approx(0.25) and lw[0][~pos].sum() == pytest.approx(0.25)
    assert int((lw[0][~pos] > 0).sum()) <= 48
    # negative pair: 16 negatives among the 7 x 7 cells around the gt's cell
    # ceil((60 - 127) / 8 + 0.5) = -7 -> column 5; ceil((70 - 127) / 8 + 0.5) = -6 -> row 6
    assert labels[1].sum() == 0 and bw[1].sum() == 0
    picked = torch.nonzero(lw[1] > 0)[:, 0]
    assert len(picked) == 16
    assert torch.allclose(lw[1][picked], torch.full((16,), 1 / 32 / 2))
    rows, cols = picked // 5 // 25, picked // 5 % 25
    assert rows.min() >= 3 and rows.max() <= 9 and cols.min() >= 2 and cols.max() <= 8


def test_loss_runs_and_backpropagates():
    model = _tiny().train()
    inputs = dict(
        img=torch.rand(2, 1, 3, 127, 127) * 255, search_img=torch.rand(2, 1, 3, 255, 255) * 255
    )
    samples = [
        _pair_sample(1, [100.0, 100.0, 150.0, 160.0]),
        _pair_sample(0, [90, 110, 140, 150.0]),
    ]
    losses = model.loss(inputs, samples)
    assert set(losses) == {"loss_rpn_cls", "loss_rpn_bbox"}
    # an untrained classifier is near chance: cross-entropy about log 2 per weighted anchor
    assert 0.3 < float(losses["loss_rpn_cls"]) < 1.5
    sum(losses.values()).backward()
    assert model.head.cls_weight.grad is not None
    with pytest.raises(KeyError, match="'img' and 'search_img'"):
        model.loss(dict(img=inputs["img"]), samples)


def _frame(init_bbox, frame_id=0, shape=(120, 160)):
    frame = DetDataSample(metainfo=dict(frame_id=frame_id, init_bbox=init_bbox, ori_shape=shape))
    sample = TrackDataSample()
    sample.video_data_samples = [frame]
    return sample


@pytest.mark.parametrize(
    "bbox, match",
    [
        ([200.0, 10.0, 230.0, 40.0], "lies outside the 160x120"),
        ([10.0, 10.0, 10.0, 40.0], "zero or negative size"),
        ([float("nan"), 10.0, 30.0, 40.0], "4 finite numbers"),
    ],
)
def test_bad_init_box_errors(bbox, match):
    model = _tiny().eval()
    with pytest.raises(ValueError, match=match):
        model.predict(dict(img=torch.rand(1, 1, 3, 120, 160)), [_frame(bbox)])


def test_predict_ope_frames():
    torch.manual_seed(18)  # an untrained model whose far-off boxes lose float32 precision
    model = _tiny().eval()
    img = dict(img=torch.rand(1, 1, 3, 120, 160) * 255)
    with torch.no_grad():
        out = model.predict(img, [_frame([60.0, 40.0, 80.0, 60.0])])
        assert out[0][0].pred_track_instances.bboxes.tolist() == [[60.0, 40.0, 80.0, 60.0]]
        assert out[0][0].pred_track_instances.scores.tolist() == [-1.0]
        out = model.predict(img, [_frame(None, frame_id=1)])
    box = out[0][0].pred_track_instances.bboxes[0]
    assert torch.isfinite(box).all() and (box[2:] - box[:2] >= 10).all()


def _mmtracking_r50_keys():
    """State-dict keys and shapes of MMTracking 0.14's SiamRPN++ R-50 (written from
    SOTResNet / mmdet ChannelMapper / SiameseRPNHead with CorrelationHead)."""
    keys = {}

    def bn(prefix, c):
        keys.update(
            {f"{prefix}.{n}": (c,) for n in ("weight", "bias", "running_mean", "running_var")}
        )
        keys[f"{prefix}.num_batches_tracked"] = ()

    keys["backbone.conv1.weight"] = (64, 3, 7, 7)
    bn("backbone.bn1", 64)
    inplanes = 64
    for stage, (blocks, planes) in enumerate(zip((3, 4, 6, 3), (64, 128, 256, 512)), 1):
        for j in range(blocks):
            p = f"backbone.layer{stage}.{j}"
            cin = inplanes if j == 0 else planes * 4
            keys[f"{p}.conv1.weight"] = (planes, cin, 1, 1)
            keys[f"{p}.conv2.weight"] = (planes, planes, 3, 3)
            keys[f"{p}.conv3.weight"] = (planes * 4, planes, 1, 1)
            for k, c in ((1, planes), (2, planes), (3, planes * 4)):
                bn(f"{p}.bn{k}", c)
            if j == 0:
                # stage 1: 1x1 shortcut; stride-2 stage 2: 3x3 unpadded; dilated 3-4: 3x3
                k = 1 if stage == 1 else 3
                keys[f"{p}.downsample.0.weight"] = (planes * 4, cin, k, k)
                bn(f"{p}.downsample.1", planes * 4)
        inplanes = planes * 4
    for i, cin in enumerate((512, 1024, 2048)):
        keys[f"neck.convs.{i}.conv.weight"] = (256, cin, 1, 1)
        bn(f"neck.convs.{i}.bn", 256)
    for branch, out in (("cls_heads", 10), ("reg_heads", 20)):
        for i in range(3):
            p = f"head.{branch}.{i}"
            for conv in ("kernel_convs", "search_convs"):
                keys[f"{p}.{conv}.conv.weight"] = (256, 256, 3, 3)
                bn(f"{p}.{conv}.bn", 256)
            keys[f"{p}.head_convs.0.conv.weight"] = (256, 256, 1, 1)
            bn(f"{p}.head_convs.0.bn", 256)
            keys[f"{p}.head_convs.1.conv.weight"] = (out, 256, 1, 1)
            keys[f"{p}.head_convs.1.conv.bias"] = (out,)
    keys["head.cls_weight"] = (3,)
    keys["head.reg_weight"] = (3,)
    return keys


def _build(name):
    cfg = Config.fromfile(f"{CONFIGS}/{name}")
    cfg.model.backbone.init_cfg = None
    return MODELS.build(cfg.model), cfg


def test_r50_state_dict_is_mmtracking_and_loads(tmp_path):
    model, _ = _build("siamese_rpn_r50_20e_lasot.py")
    got = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    expect = _mmtracking_r50_keys()
    assert sorted(set(got) - set(expect)) == []
    assert sorted(set(expect) - set(got)) == []
    assert got == expect
    # an MMTracking-style file (meta + state_dict) loads strictly through the safe loader
    path = tmp_path / "siamrpn.pth"
    torch.save({"meta": {"epoch": 20}, "state_dict": model.state_dict()}, path)
    fresh, _ = _build("siamese_rpn_r50_20e_lasot.py")
    load_checkpoint(fresh, str(path), strict=True)
    w = "head.reg_heads.2.head_convs.1.conv.bias"
    assert torch.equal(fresh.state_dict()[w], model.state_dict()[w])


@pytest.mark.parametrize(
    "name, rpn, mode, dataset",
    [
        ("siamese_rpn_r50_20e_lasot.py", (0.05, 0.42, 0.38), "OPE", "LaSOTDataset"),
        ("siamese_rpn_r50_fp16_20e_lasot.py", (0.05, 0.42, 0.38), "OPE", "LaSOTDataset"),
        ("siamese_rpn_r50_20e_uav123.py", (0.1, 0.1, 0.5), "OPE", "UAV123Dataset"),
        ("siamese_rpn_r50_20e_trackingnet.py", (0.05, 0.42, 0.38), "OPE", "TrackingNetDataset"),
        ("siamese_rpn_r50_20e_otb100.py", (0.4, 0.5, 0.4), "OPE", "OTB100Dataset"),
        ("siamese_rpn_r50_20e_vot2018.py", (0.04, 0.44, 0.33), "VOT", "VOTDataset"),
    ],
)
def test_configs_build(name, rpn, mode, dataset):
    model, cfg = _build(name)
    # MMTracking 0.14's per-data-set test-time parameters
    got = model.head.test_cfg
    assert (got["penalty_k"], got["window_influence"], got["lr"]) == rpn
    assert model.test_mode == mode
    assert cfg.test_dataloader.dataset.type == dataset
    assert cfg.train_cfg.max_epochs == 20
    if mode == "VOT":
        assert cfg.test_evaluator.metric == "VOT"
    if "fp16" in name:
        assert cfg.optim_wrapper.type == "AmpOptimWrapper" and cfg.optim_wrapper.loss_scale == 512.0
    if "otb100" in name:
        assert cfg.train_dataloader.batch_size == 16


def test_backbone_unfreeze_hook():
    model = _tiny()
    backbone = model.backbone
    backbone.frozen_stages = 4
    backbone._freeze_stages()
    backbone.norm_eval = True
    model.train()
    assert not any(p.requires_grad for p in backbone.layer3.parameters())
    hook = SiamRPNBackboneUnfreezeHook(backbone_start_train_epoch=2)
    runner = types.SimpleNamespace(model=model, epoch=1)
    hook.before_train_epoch(runner)
    assert not any(p.requires_grad for p in backbone.layer2.parameters())
    runner.epoch = 2
    hook.before_train_epoch(runner)
    model.train()  # the train loop's model.train() must not re-freeze
    for name in ("layer2", "layer3", "layer4"):
        assert all(p.requires_grad for p in getattr(backbone, name).parameters())
    assert not any(p.requires_grad for p in backbone.layer1.parameters())
    hook.before_train_iter(runner, 0)
    assert backbone.layer3[0].bn1.training and not backbone.layer1[0].bn1.training
    with pytest.raises(KeyError, match="no stage 'layer9'"):
        SiamRPNBackboneUnfreezeHook(0, ["layer9"]).before_train_epoch(runner)


def test_siamrpn_exp_lr_matches_the_0x_recipe():
    param = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([param], lr=0.005)
    warm = PARAM_SCHEDULERS.build(
        dict(
            type="SiamRPNExpLR",
            optimizer=opt,
            start_factor=0.2,
            end_factor=1.0,
            begin=0,
            end=5,
            endpoint=False,
        )
    )
    decay = PARAM_SCHEDULERS.build(
        dict(
            type="SiamRPNExpLR",
            optimizer=opt,
            start_factor=1.0,
            end_factor=0.1,
            begin=5,
            end=20,
            endpoint=True,
        )
    )
    lrs = []
    for _ in range(20):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        warm.step()
        decay.step()
    # epochs 0-4: 0.2 * 5 ** (e / 5); epochs 5-19: the epoch-4 value times 0.1 ** ((e - 5) / 14)
    expect = [0.005 * 0.2 * 5 ** (e / 5) for e in range(5)]
    expect += [expect[-1] * 0.1 ** ((e - 5) / 14) for e in range(5, 20)]
    np.testing.assert_allclose(lrs, expect, rtol=1e-6)
