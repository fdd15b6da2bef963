"""Shared2FCBBoxHead and SingleRoIExtractor: targets, losses and decoding by hand."""

import math

import pytest
import torch
from mmengine.config import ConfigDict
from mmengine.structures import InstanceData

from mmtrack.models.task_modules.assigners import AssignResult
from mmtrack.registry import MODELS, TASK_UTILS
from mmtrack.utils import register_all_modules

register_all_modules()


def _head(**kw):
    cfg = dict(
        type="Shared2FCBBoxHead",
        in_channels=2,
        fc_out_channels=4,
        roi_feat_size=2,
        num_classes=2,
        loss_bbox=dict(type="L1Loss", loss_weight=1.0),
    )
    cfg.update(kw)
    return MODELS.build(cfg)


def test_checkpoint_keys_of_default_head():
    head = MODELS.build(
        dict(type="Shared2FCBBoxHead", in_channels=256, fc_out_channels=1024, num_classes=80)
    )
    shapes = {k: tuple(v.shape) for k, v in head.state_dict().items()}
    assert shapes == {
        "fc_cls.weight": (81, 1024),
        "fc_cls.bias": (81,),
        "fc_reg.weight": (320, 1024),
        "fc_reg.bias": (320,),
        "shared_fcs.0.weight": (1024, 12544),
        "shared_fcs.0.bias": (1024,),
        "shared_fcs.1.weight": (1024, 1024),
        "shared_fcs.1.bias": (1024,),
    }
    agnostic = MODELS.build(dict(type="Shared2FCBBoxHead", num_classes=80, reg_class_agnostic=True))
    assert agnostic.fc_reg.weight.shape == (4, 1024)


def test_targets_and_losses_by_hand():
    head = _head()
    with torch.no_grad():
        head.fc_cls.weight.zero_()
        head.fc_cls.bias.copy_(torch.tensor([0.0, 0.0, 1.0]))  # favours background (2)
        head.fc_reg.weight.zero_()
        head.fc_reg.bias.zero_()
    priors = torch.tensor([[0.0, 0.0, 10.0, 10.0], [20.0, 20.0, 30.0, 30.0], [50, 50, 60, 60.0]])
    gts = InstanceData(bboxes=torch.tensor([[0.0, 0.0, 10.0, 20.0]]), labels=torch.tensor([1]))
    assign = AssignResult(1, torch.tensor([1, 0, 0]), torch.zeros(3), torch.tensor([1, -1, -1]))
    sampler = TASK_UTILS.build(dict(type="PseudoSampler"))
    res = sampler.sample(assign, InstanceData(priors=priors), gts)
    cfg = ConfigDict(pos_weight=-1)
    labels, label_w, targets, target_w = head.get_targets([res], cfg)
    assert labels.tolist() == [1, 2, 2] and label_w.tolist() == [1, 1, 1]
    # centre (5, 5) -> (5, 10), h 10 -> 20; stds (0.1, 0.1, 0.2, 0.2)
    assert targets[0].tolist() == pytest.approx([0.0, 5.0, 0.0, math.log(2) / 0.2], rel=1e-5)
    assert targets[1:].abs().sum() == 0 and target_w.tolist() == [[1] * 4, [0] * 4, [0] * 4]

    feats = torch.randn(3, 2, 2, 2)
    cls_score, bbox_pred = head(feats)
    assert cls_score.shape == (3, 3) and bbox_pred.shape == (3, 8)
    rois = torch.cat([torch.zeros(3, 1), priors], 1)
    out = head.loss_and_target(cls_score, bbox_pred, rois, [res], cfg)
    losses = out["loss_bbox"]
    z = 2 + math.e
    expect_cls = (math.log(z) + 2 * (math.log(z) - 1)) / 3
    assert losses["loss_cls"].item() == pytest.approx(expect_cls, rel=1e-5)
    assert losses["acc"].item() == pytest.approx(200 / 3, rel=1e-5)
    # box loss: |targets| of the positive summed, divided by the 3 samples
    assert losses["loss_bbox"].item() == pytest.approx((5 + math.log(2) / 0.2) / 3, rel=1e-5)


def test_no_positive_and_no_sample():
    head = _head()
    feats = torch.randn(2, 2, 2, 2, requires_grad=True)
    cls_score, bbox_pred = head(feats)
    labels = torch.tensor([2, 2])
    losses = head.loss(
        cls_score,
        bbox_pred,
        torch.zeros(2, 5),
        labels,
        torch.ones(2),
        torch.zeros(2, 4),
        torch.zeros(2, 4),
    )
    assert losses["loss_bbox"].item() == 0.0 and losses["loss_bbox"].requires_grad
    empty_score, empty_pred = head(torch.zeros(0, 2, 2, 2))
    losses = head.loss(
        empty_score,
        empty_pred,
        torch.zeros(0, 5),
        torch.zeros(0, dtype=torch.long),
        torch.zeros(0),
        torch.zeros(0, 4),
        torch.zeros(0, 4),
    )
    assert set(losses) == {"loss_cls", "acc", "loss_bbox"}
    assert losses["loss_cls"].item() == 0.0 and losses["loss_bbox"].item() == 0.0


def test_predict_decode_rescale_and_nms():
    head = _head()
    roi = torch.tensor([[0.0, 10.0, 10.0, 30.0, 30.0], [0.0, 11.0, 10.0, 31.0, 30.0]])
    # class 1 wins; zero deltas decode to the roi itself
    cls_score = torch.tensor([[0.0, 3.0, 0.0], [0.0, 2.0, 0.0]])
    bbox_pred = torch.zeros(2, 8)
    meta = dict(img_shape=(40, 40), scale_factor=(2.0, 2.0))
    cfg = ConfigDict(score_thr=0.3, nms=dict(type="nms", iou_threshold=0.5), max_per_img=10)
    (res,) = head.predict_by_feat([roi], [cls_score], [bbox_pred], [meta], cfg, rescale=True)
    p = math.exp(3) / (2 + math.exp(3))
    # roi 2 (IoU 0.905 with roi 1) is suppressed; class 0 and 2 scores are below 0.3
    assert res.labels.tolist() == [1]
    assert res.scores.tolist() == pytest.approx([p], rel=1e-5)
    assert res.bboxes.tolist() == [[5.0, 5.0, 15.0, 15.0]]
    # without a test cfg: raw per-class boxes and scores
    (raw,) = head.predict_by_feat([roi], [cls_score], [bbox_pred], [meta], None)
    assert raw.bboxes.shape == (2, 8) and raw.scores.shape == (2, 3)
    # clipping to img_shape
    big = torch.tensor([[0.0, -5.0, -5.0, 50.0, 50.0]])
    (res,) = head.predict_by_feat([big], [cls_score[:1]], [bbox_pred[:1]], [meta], cfg)
    assert res.bboxes.tolist() == [[0.0, 0.0, 40.0, 40.0]]


def test_single_roi_extractor_levels_and_values():
    ext = MODELS.build(
        dict(
            type="SingleRoIExtractor",
            roi_layer=dict(type="RoIAlign", output_size=2, sampling_ratio=0),
            out_channels=1,
            featmap_strides=[4, 8, 16, 32],
        )
    )
    # scale sqrt(wh): < 112 -> 0, [112, 224) -> 1, [224, 448) -> 2, >= 448 -> 3
    rois = torch.tensor(
        [
            [0, 0, 0, 50, 50],
            [0, 0, 0, 112, 112],
            [0, 0, 0, 223, 223],
            [0, 0, 0, 224, 224],
            [0, 0, 0, 500, 500],
        ],
        dtype=torch.float32,
    )
    assert ext.map_roi_levels(rois, 4).tolist() == [0, 1, 1, 2, 3]
    # constant maps equal to their level index: pooled values identify the level
    feats = [torch.full((1, 1, 256 // s, 256 // s), float(i)) for i, s in enumerate([4, 8, 16, 32])]
    small = torch.tensor([[0, 0, 0, 40, 40], [0, 0, 0, 130, 130]], dtype=torch.float32)
    out = ext(feats, small)
    assert out.shape == (2, 1, 2, 2)
    assert torch.allclose(out[0], torch.zeros(1, 2, 2)) and torch.allclose(
        out[1], torch.ones(1, 2, 2)
    )
    assert ext(feats, torch.zeros(0, 5)).shape == (0, 1, 2, 2)
    # roi_rescale grows boxes about their centres
    assert ext.roi_rescale(torch.tensor([[0.0, 10, 10, 20, 30]]), 2.0).tolist() == [
        [0.0, 5.0, 0.0, 25.0, 40.0]
    ]
