"""YOLOXHead: decoding and post-processing by hand, losses on empty and real GT."""

import math

import pytest
import torch
import torch.nn.functional as F
from mmengine.structures import InstanceData
from torchvision.ops import box_iou

from mmtrack.registry import MODELS, TASK_UTILS
from mmtrack.structures import DetDataSample
from mmtrack.utils import register_all_modules

register_all_modules()


def _head(**kw):
    cfg = dict(
        type="YOLOXHead",
        num_classes=2,
        in_channels=4,
        feat_channels=4,
        strides=(8, 16),
        train_cfg=dict(assigner=dict(type="SimOTAAssigner", center_radius=2.5)),
        test_cfg=dict(score_thr=0.01, nms=dict(type="nms", iou_threshold=0.65)),
    )
    cfg.update(kw)
    return MODELS.build(cfg)


def _raw_outputs():
    """Level 0: 2x2 cells of stride 8; level 1: one cell of stride 16."""
    cls0 = torch.full((1, 2, 2, 2), -20.0)
    reg0 = torch.zeros((1, 4, 2, 2))
    obj0 = torch.full((1, 1, 2, 2), -20.0)
    cls1 = torch.full((1, 2, 1, 1), -20.0)
    reg1 = torch.zeros((1, 4, 1, 1))
    obj1 = torch.full((1, 1, 1, 1), -20.0)
    # cell (row 0, col 1), prior (8, 0): class 0 p=0.1, obj 0.5 -> 0.05; centre (24, 16), 8x8
    cls0[0, 0, 0, 1] = math.log(1 / 9)
    obj0[0, 0, 0, 1] = 0.0
    reg0[0, :, 0, 1] = torch.tensor([2.0, 2.0, 0.0, 0.0])
    # cell (1, 0), prior (0, 8): class 1 p=0.8 -> 0.4; centre (4, 10), 16x8 -> [-4, 6, 12, 14]
    cls0[0, 1, 1, 0] = math.log(4)
    obj0[0, 0, 1, 0] = 0.0
    reg0[0, :, 1, 0] = torch.tensor([0.5, 0.25, math.log(2), 0.0])
    # cell (1, 1), prior (8, 8): class 1 p=0.9 -> 0.45; the same box
    cls0[0, 1, 1, 1] = math.log(9)
    obj0[0, 0, 1, 1] = 0.0
    reg0[0, :, 1, 1] = torch.tensor([-0.5, 0.25, math.log(2), 0.0])
    # level 1, prior (0, 0) stride 16: class 0 p=0.5, obj 0.6 -> 0.3; the same box
    cls1[0, 0, 0, 0] = 0.0
    obj1[0, 0, 0, 0] = math.log(0.6 / 0.4)
    reg1[0, :, 0, 0] = torch.tensor([0.25, 0.625, 0.0, math.log(0.5)])
    return [cls0, cls1], [reg0, reg1], [obj0, obj1]


def test_predict_by_feat_by_hand():
    head = _head()
    meta = dict(scale_factor=(2.0, 0.5), img_shape=(32, 32))
    raw = _raw_outputs()
    (res,) = head.predict_by_feat(*raw, batch_img_metas=[meta], rescale=False, with_nms=False)
    # score = sigmoid(obj) * max sigmoid(cls) >= 0.01, in prior order (cell 0 is filtered)
    assert torch.allclose(res.scores, torch.tensor([0.05, 0.4, 0.45, 0.3]), atol=1e-6)
    assert res.labels.tolist() == [0, 1, 1, 0]
    box = [-4.0, 6.0, 12.0, 14.0]
    assert torch.allclose(res.bboxes, torch.tensor([[20.0, 12.0, 28.0, 20.0], box, box, box]))

    # class-wise NMS drops the 0.4 duplicate of class 1 only; boxes back to the original image
    (res,) = head.predict_by_feat(*_raw_outputs(), batch_img_metas=[meta], rescale=True)
    assert torch.allclose(res.scores, torch.tensor([0.45, 0.3, 0.05]), atol=1e-6)
    assert res.labels.tolist() == [1, 0, 0]
    expected = torch.tensor([[-2.0, 12.0, 6.0, 28.0]] * 2 + [[10.0, 24.0, 14.0, 40.0]])
    assert torch.allclose(res.bboxes, expected)


def test_predict_without_nms_cfg_only_sorts():
    (res,) = _head().predict_by_feat(
        *_raw_outputs(), batch_img_metas=[dict(scale_factor=(1, 1))], cfg=dict(score_thr=0.01)
    )
    assert torch.allclose(res.scores, torch.tensor([0.45, 0.4, 0.3, 0.05]), atol=1e-6)


def test_predict_nothing_above_threshold():
    head = _head()
    cls, reg, obj = _raw_outputs()
    obj = [torch.full_like(o, -20.0) for o in obj]
    (res,) = head.predict_by_feat(cls, reg, obj, batch_img_metas=[dict(scale_factor=(1, 1))])
    assert len(res) == 0 and res.bboxes.shape == (0, 4)


def _feats(seed=0):
    torch.manual_seed(seed)
    return [torch.randn(2, 4, 8, 8), torch.randn(2, 4, 4, 4)]  # a 64 x 64 input


def test_loss_on_empty_gt():
    head = _head()
    head.init_weights()
    feats = _feats()
    empty = InstanceData(bboxes=torch.zeros((0, 4)), labels=torch.zeros((0,), dtype=torch.long))
    cls, reg, obj = head(feats)
    losses = head.loss_by_feat(cls, reg, obj, [empty, empty], [{}, {}])
    assert set(losses) == {"loss_cls", "loss_bbox", "loss_obj"}
    assert losses["loss_cls"].item() == 0 and losses["loss_bbox"].item() == 0
    # every prior is background; no positive -> divided by 1
    flat_obj = torch.cat([o.flatten() for o in obj])
    expected = F.binary_cross_entropy_with_logits(
        flat_obj, torch.zeros_like(flat_obj), reduction="sum"
    )
    assert losses["loss_obj"].item() == pytest.approx(expected.item(), rel=1e-5)
    sum(losses.values()).backward()
    assert head.multi_level_conv_cls[0].weight.grad is not None
    assert head.multi_level_conv_reg[0].weight.grad is not None

    head.use_l1 = True
    losses = head.loss_by_feat(*head(feats), [empty, empty], [{}, {}])
    assert losses["loss_l1"].item() == 0 and torch.isfinite(losses["loss_obj"])


def test_loss_matches_reference_computation():
    head = _head()
    head.init_weights()
    head.use_l1 = True
    feats = _feats(1)
    gts = [
        InstanceData(
            bboxes=torch.tensor([[8.0, 8.0, 40.0, 40.0], [30.0, 20.0, 60.0, 36.0]]),
            labels=torch.tensor([1, 0]),
        ),
        InstanceData(bboxes=torch.tensor([[0.0, 30.0, 20.0, 62.0]]), labels=torch.tensor([1])),
    ]
    cls, reg, obj = head(feats)
    losses = head.loss_by_feat(cls, reg, obj, gts, [{}, {}])

    # reference: flatten level by level, row-major; priors (x, y, s, s), offset 0
    priors = []
    for stride, (h, w) in zip((8, 16), ((8, 8), (4, 4))):
        ys, xs = torch.meshgrid(torch.arange(h) * stride, torch.arange(w) * stride, indexing="ij")
        s = torch.full((h * w,), float(stride))
        priors.append(torch.stack([xs.flatten().float(), ys.flatten().float(), s, s], 1))
    priors = torch.cat(priors)
    assigner = TASK_UTILS.build(dict(type="SimOTAAssigner", center_radius=2.5))
    tot = dict(cls=0.0, bbox=0.0, obj=0.0, l1=0.0)
    num_pos = 0
    for i, gt in enumerate(gts):
        c = torch.cat([x[i].permute(1, 2, 0).reshape(-1, 2) for x in cls]).detach()
        r = torch.cat([x[i].permute(1, 2, 0).reshape(-1, 4) for x in reg]).detach()
        o = torch.cat([x[i].flatten() for x in obj]).detach()
        centre = r[:, :2] * priors[:, 2:] + priors[:, :2]
        size = r[:, 2:].exp() * priors[:, 2:]
        boxes = torch.cat([centre - size / 2, centre + size / 2], 1)
        pred = InstanceData(
            bboxes=boxes,
            scores=(c.sigmoid() * o.sigmoid()[:, None]).sqrt(),
            priors=torch.cat([priors[:, :2] + priors[:, 2:] / 2, priors[:, 2:]], 1),
        )
        res = assigner.assign(pred, gt)
        pos = res.gt_inds > 0
        assert pos.any()
        num_pos += int(pos.sum())
        tgt_boxes = gt.bboxes[res.gt_inds[pos] - 1]
        ious = box_iou(boxes[pos], tgt_boxes).diagonal()
        onehot = F.one_hot(gt.labels[res.gt_inds[pos] - 1], 2).float() * ious[:, None]
        tot["cls"] += F.binary_cross_entropy_with_logits(c[pos], onehot, reduction="sum")
        tot["bbox"] += 5.0 * (1 - ious**2).sum()
        tot["obj"] += F.binary_cross_entropy_with_logits(o, pos.float(), reduction="sum")
        p = priors[pos]
        t_c = (tgt_boxes[:, :2] + tgt_boxes[:, 2:]) / 2
        t_wh = tgt_boxes[:, 2:] - tgt_boxes[:, :2]
        l1_t = torch.cat([(t_c - p[:, :2]) / p[:, 2:], torch.log(t_wh / p[:, 2:] + 1e-8)], 1)
        tot["l1"] += (r[pos] - l1_t).abs().sum()
    for key in ("cls", "bbox", "obj", "l1"):
        assert losses[f"loss_{key}"].item() == pytest.approx(float(tot[key]) / num_pos, rel=1e-4)


def test_l1_target_by_hand():
    head = _head()
    target = head._get_l1_target(
        torch.zeros(1, 4),
        torch.tensor([[0.0, 0.0, 32.0, 16.0]]),
        torch.tensor([[8.0, 0.0, 8.0, 8.0]]),
    )
    # centre (16, 8): ((16 - 8) / 8, (8 - 0) / 8); size (32, 16) / 8 -> log 4, log 2
    assert torch.allclose(target, torch.tensor([[1.0, 1.0, math.log(4), math.log(2)]]), atol=1e-6)


def test_loss_and_predict_from_data_samples():
    head = _head()
    sample = DetDataSample(metainfo=dict(scale_factor=(1.0, 1.0), img_shape=(64, 64)))
    sample.gt_instances = InstanceData(
        bboxes=torch.tensor([[8.0, 8.0, 40.0, 40.0]]), labels=torch.tensor([0])
    )
    feats = [f[:1] for f in _feats()]
    losses = head.loss(feats, [sample])
    assert all(torch.isfinite(v) for v in losses.values())
    head.eval()
    (res,) = head.predict(feats, [sample], rescale=True)
    assert set(res.keys()) == {"bboxes", "scores", "labels"}


def test_head_structure_and_init():
    head = _head(use_depthwise=True, stacked_convs=3)
    head.init_weights()
    sd = head.state_dict()
    assert "multi_level_cls_convs.1.2.depthwise_conv.conv.weight" in sd
    bias = -math.log((1 - 0.01) / 0.01)
    assert torch.allclose(head.multi_level_conv_obj[1].bias, torch.tensor([bias]))
    assert torch.allclose(head.multi_level_conv_cls[0].bias, torch.full((2,), bias))
    with pytest.raises(ValueError, match="dcn_on_last_conv"):
        _head(dcn_on_last_conv=True)
    with pytest.raises(ValueError, match="assigner"):
        _head(train_cfg=None).loss_by_feat(*head(_feats()), [], [])
