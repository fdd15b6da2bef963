"""RPNHead: targets, losses and proposals on a hand-made 4x4 anchor grid."""

import math

import pytest
import torch
from mmengine.config import ConfigDict

from mmtrack.registry import MODELS
from mmtrack.utils import register_all_modules
from tests.helpers.det import det_sample

register_all_modules()


def _head(**test_cfg):
    head = MODELS.build(
        dict(
            type="RPNHead",
            in_channels=4,
            feat_channels=4,
            # one 32x32 anchor per location of a stride-16 map
            anchor_generator=dict(type="AnchorGenerator", strides=[16], ratios=[1.0], scales=[2]),
            bbox_coder=dict(type="DeltaXYWHBBoxCoder"),
            loss_cls=dict(type="CrossEntropyLoss", use_sigmoid=True),
            loss_bbox=dict(type="L1Loss"),
            train_cfg=dict(
                assigner=dict(
                    type="MaxIoUAssigner", pos_iou_thr=0.7, neg_iou_thr=0.3, min_pos_iou=0.3
                ),
                sampler=dict(
                    type="RandomSampler", num=256, pos_fraction=0.5, add_gt_as_proposals=False
                ),
                allowed_border=-1,
                pos_weight=-1,
            ),
            test_cfg=dict(
                dict(
                    nms_pre=1000,
                    max_per_img=5,
                    nms=dict(type="nms", iou_threshold=0.7),
                    min_bbox_size=0,
                ),
                **test_cfg,
            ),
        )
    )
    with torch.no_grad():
        head.rpn_cls.weight.zero_()
        head.rpn_cls.bias.fill_(0.5)
        head.rpn_reg.weight.zero_()
        head.rpn_reg.bias.zero_()
    return head


def _softplus(x):
    return math.log1p(math.exp(x))


def test_keys_and_shapes():
    head = MODELS.build(
        dict(
            type="RPNHead",
            in_channels=256,
            feat_channels=256,
            anchor_generator=dict(
                type="AnchorGenerator", scales=[8], ratios=[0.5, 1.0, 2.0], strides=[4, 8]
            ),
        )
    )
    shapes = {k: tuple(v.shape) for k, v in head.state_dict().items()}
    assert shapes == {
        "rpn_conv.weight": (256, 256, 3, 3),
        "rpn_conv.bias": (256,),
        "rpn_cls.weight": (3, 256, 1, 1),
        "rpn_cls.bias": (3,),
        "rpn_reg.weight": (12, 256, 1, 1),
        "rpn_reg.bias": (12,),
    }
    scores, deltas = head([torch.zeros(2, 256, 8, 8), torch.zeros(2, 256, 4, 4)])
    assert scores[0].shape == (2, 3, 8, 8) and deltas[1].shape == (2, 12, 4, 4)
    with pytest.raises(ValueError, match="num_classes must be 1"):
        MODELS.build(dict(type="RPNHead", in_channels=4, num_classes=2))


def test_targets_and_losses_by_hand():
    head = _head()
    x = [torch.randn(1, 4, 4, 4)]
    # gt [2, 0, 34, 32]: anchor (x=1, y=1) = [0, 0, 32, 32] has IoU 960/1088 -> positive
    # IoU in [0.3, 0.7) -> ignored: (2,1) 0.391, (1,0) 0.306, (1,2) 0.306; the other 12 < 0.3
    sample = det_sample((64, 64), [[2.0, 0.0, 34.0, 32.0]], [0])
    losses = head.loss(x, [sample])
    assert set(losses) == {"loss_rpn_cls", "loss_rpn_bbox"}
    avg = 1 + 12
    expect_cls = (_softplus(-0.5) + 12 * _softplus(0.5)) / avg
    assert losses["loss_rpn_cls"].item() == pytest.approx(expect_cls, rel=1e-5)
    # target of the positive: dx = (18 - 16) / 32, others 0; predictions are 0
    assert losses["loss_rpn_bbox"].item() == pytest.approx(0.0625 / avg, rel=1e-5)

    # the targets themselves
    anchors, flags = head.get_anchors([(4, 4)], [sample.metainfo], "cpu")
    labels, weights, targets, bweights, avg_factor = head.get_targets(
        anchors, flags, [sample.gt_instances], [sample.metainfo]
    )
    labels, weights = labels[0].view(4, 4), weights[0].view(4, 4)
    assert labels[1, 1] == 0 and (labels.sum() - labels[1, 1]) == 15  # others background (1)
    assert weights[1, 2] == 0 and weights[0, 1] == 0 and weights[2, 1] == 0  # ignored
    assert weights.sum() == 13 and avg_factor == 13
    assert targets[0][0, 5].tolist() == pytest.approx([0.0625, 0.0, 0.0, 0.0])


def test_empty_gt_loss():
    head = _head()
    losses = head.loss([torch.randn(1, 4, 4, 4)], [det_sample((64, 64))])
    # 16 negatives, avg_factor = max(0, 1) + 16
    assert losses["loss_rpn_cls"].item() == pytest.approx(16 * _softplus(0.5) / 17, rel=1e-5)
    assert losses["loss_rpn_bbox"].item() == 0.0


def test_proposals_min_size_topk_and_nms():
    logits = torch.arange(16, dtype=torch.float32).view(1, 1, 4, 4)  # index y * 4 + x
    deltas = torch.zeros(1, 4, 4, 4)
    meta = det_sample((64, 64)).metainfo

    def box(x, y):
        return [
            max(0, 16 * x - 16),
            max(0, 16 * y - 16),
            min(64, 16 * x + 16),
            min(64, 16 * y + 16),
        ]

    # min_bbox_size 20 drops the 16-px-wide anchors of row/column 0; no IoU > 0.7 -> top 5
    head = _head(min_bbox_size=20)
    (res,) = head.predict_by_feat([logits], [deltas], [meta])
    expect = [(3, 3), (2, 3), (1, 3), (3, 2), (2, 2)]
    assert res.bboxes.tolist() == [box(*p) for p in expect]
    assert res.scores.tolist() == pytest.approx(
        [1 / (1 + math.exp(-(y * 4 + x))) for x, y in expect], rel=1e-6
    )
    assert res.labels.tolist() == [0] * 5
    # NMS at 0.3 (worked out by hand): 15 keeps, 14 (IoU 1/3 with 15) goes, 13 keeps,
    # 12 (0.5 with 13) goes, 11 (1/3 with 15) goes, 10 keeps, 9 (1/3 with 13) goes,
    # 8 = [0, 16, 16, 48] (0.2 with 13, 0 with 10) keeps, 7 = [32, 0, 64, 32] keeps
    head = _head(min_bbox_size=-1, nms=dict(type="nms", iou_threshold=0.3))
    (res,) = head.predict_by_feat([logits], [deltas], [meta])
    assert res.bboxes.tolist() == [box(i % 4, i // 4) for i in (15, 13, 10, 8, 7)]
    # nms_pre keeps the 3 best before NMS
    head = _head(min_bbox_size=-1, nms_pre=3)
    (res,) = head.predict_by_feat([logits], [deltas], [meta], cfg=ConfigDict(head.test_cfg))
    assert len(res) == 3
    # rescale divides by scale_factor (min_bbox_size applies to the rescaled boxes)
    meta2 = dict(meta, scale_factor=(2.0, 4.0))
    head = _head(min_bbox_size=0)
    (res,) = head.predict_by_feat([logits], [deltas], [meta2], rescale=True)
    b = box(3, 3)
    assert res.bboxes[0].tolist() == [b[0] / 2, b[1] / 4, b[2] / 2, b[3] / 4]


def test_level_by_level_nms_equals_offset_nms():
    torch.manual_seed(0)
    head = MODELS.build(
        dict(
            type="RPNHead",
            in_channels=4,
            feat_channels=4,
            anchor_generator=dict(
                type="AnchorGenerator", strides=[8, 16], ratios=[0.5, 1.0, 2.0], scales=[2]
            ),
            test_cfg=dict(
                nms_pre=50,
                max_per_img=40,
                nms=dict(type="nms", iou_threshold=0.5),
                min_bbox_size=0,
            ),
        )
    )
    scores = [torch.randn(1, 3, 8, 8), torch.randn(1, 3, 4, 4)]
    deltas = [torch.randn(1, 12, 8, 8) * 0.2, torch.randn(1, 12, 4, 4) * 0.2]
    meta = det_sample((64, 64)).metainfo
    (split,) = head.predict_by_feat(scores, deltas, [meta])
    cfg = ConfigDict(head.test_cfg)
    cfg.nms = dict(type="nms", iou_threshold=0.5, split_thr=10**6)  # one NMS, level offsets
    (joint,) = head.predict_by_feat(scores, deltas, [meta], cfg=cfg)
    assert len(split) == 40
    assert torch.equal(split.bboxes, joint.bboxes) and torch.equal(split.scores, joint.scores)
