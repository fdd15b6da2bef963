"""IouNetHead: relative box coordinates, proposal densities, KLMC training, refinement."""

import math

import pytest
import torch

from mmtrack.models.track_heads.iounet_head import rel_cxcywh_to_xywh, xywh_to_rel_cxcywh
from mmtrack.registry import MODELS


def _head(**kw):
    cfg = dict(
        type="IouNetHead",
        in_dim=(8, 16),
        pred_in_dim=(16, 16),
        pred_inter_dim=(16, 16),
        loss_bbox=dict(type="KLMCLoss"),
        bbox_cfg=dict(
            num_init_random_boxes=0,
            box_jitter_pos=0.1,
            box_jitter_sz=0.5,
            iounet_topk=1,
            box_refine_step_length=0.25,
            box_refine_iter=1,
            max_aspect_ratio=6,
            box_refine_step_decay=1,
        ),
        train_cfg=dict(
            proposals_sigma=[(0.05, 0.05), (0.5, 0.5)],
            gt_bboxes_sigma=(0.05, 0.05),
            num_samples=16,
            loss_weights=dict(bbox=1.0),
        ),
        test_cfg=dict(img_sample_size=64),
    )
    cfg.update(kw)
    head = MODELS.build(cfg)
    head.init_weights()
    return head


def _feats(n, seed=0):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(n, 8, 8, 8, generator=g), torch.randn(n, 16, 4, 4, generator=g)]


def test_relative_coordinates_by_hand():
    box = torch.tensor([[10.0, 20.0, 30.0, 40.0]])  # x, y, w, h: centre (25, 40)
    sz = torch.tensor([[15.0, 20.0]])
    rel = xywh_to_rel_cxcywh(box, sz)
    torch.testing.assert_close(rel, torch.tensor([[25 / 15, 2.0, math.log(2.0), math.log(2.0)]]))
    torch.testing.assert_close(rel_cxcywh_to_xywh(rel, sz), box)


def test_state_dict_has_the_mmtracking_1x_names():
    keys = set(_head().state_dict())
    for key in (
        "conv3_temp.conv.weight", "conv3_temp.bn.running_mean", "fc3_temp.conv.weight",
        "fc34_3_temp.conv.weight", "conv4_temp.conv.weight", "fc34_4_temp.bn.weight",
        "conv3_search.0.conv.weight", "conv3_search.1.bn.bias", "fc3_search.linear.weight",
        "fc3_search.bn.weight", "conv4_search.1.conv.weight", "fc4_search.linear.bias",
        "iou_predictor.weight", "iou_predictor.bias",
    ):  # fmt: skip
        assert key in keys, key
    assert _head().state_dict()["fc3_search.linear.weight"].shape == (16, 16 * 5 * 5)


def test_proposal_and_label_densities_by_hand():
    torch.manual_seed(0)
    head = _head()
    box = torch.tensor([[10.0, 20.0, 30.0, 40.0]])
    proposals, u, q = head.get_targets(box)
    assert proposals.shape == (1, 16, 4) and u.shape == q.shape == (1, 16)
    # recompute the densities from the proposals' relative offsets
    offsets = xywh_to_rel_cxcywh(proposals[0], box[:, 2:]) - xywh_to_rel_cxcywh(box, box[:, 2:])

    def normal(x, s):
        return math.exp(-0.5 * (x / s) ** 2) / (math.sqrt(2 * math.pi) * s)

    for m in (0, 7, 15):
        o = offsets[m].tolist()
        gmm = 0.5 * math.prod(normal(v, 0.05) for v in o) + 0.5 * math.prod(
            normal(v, 0.5) for v in o
        )
        assert float(u[0, m]) == pytest.approx(gmm, rel=1e-4)
        assert float(q[0, m]) == pytest.approx(math.prod(normal(v, 0.05) for v in o), rel=1e-4)


def test_klmc_loss_falls_with_training():
    torch.manual_seed(0)
    head = _head()
    zf, xf = _feats(2, 0), _feats(2, 1)
    zb = torch.tensor([[[8.0, 8.0, 40.0, 40.0], [16.0, 8.0, 48.0, 56.0]]])
    xb = zb.clone()
    opt = torch.optim.Adam(head.parameters(), lr=3e-3)
    values = []
    for _ in range(25):
        loss = head.loss(zf, xf, zb, xb)["loss_bbox"]
        values.append(float(loss))
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert all(math.isfinite(v) for v in values)
    assert sum(values[-5:]) / 5 < sum(values[:5]) / 5 - 0.5, values


def test_one_refinement_step_is_gradient_ascent_by_hand():
    head = _head()
    target = torch.tensor([1.2, 0.9, 0.1, -0.2])  # relative cx, cy, log w, log h

    def fake_score(modulation, feats, proposals):
        # score = -|r - r*|^2 with r the relative coordinates w.r.t. the first box's size
        rel = xywh_to_rel_cxcywh(proposals, torch.tensor([[[20.0, 10.0]]]))
        return -((rel - target) ** 2).sum(-1)

    head.predict_iou = fake_score
    head.iou_modulation = None
    init = torch.tensor([[30.0, 20.0, 20.0, 10.0]])  # cx, cy, w, h: r0 = (1.5, 2, 0, 0)
    out, _ = head.optimize_bboxes(None, init)
    # r1 = r0 + 0.25 * (-2 (r0 - r*)) = r0 + 0.5 (r* - r0)
    r1 = torch.tensor([1.35, 1.45, 0.05, -0.1])
    w, h = 20 * math.exp(0.05), 10 * math.exp(-0.1)
    expected = torch.tensor([[1.35 * 20 - w / 2, 1.45 * 10 - h / 2, w, h]])
    torch.testing.assert_close(out, expected)
    torch.testing.assert_close(xywh_to_rel_cxcywh(out, torch.tensor([[20.0, 10.0]]))[0], r1)


def test_predict_maps_the_refined_box_to_the_image():
    torch.manual_seed(0)
    head = _head(bbox_cfg=dict(
        num_init_random_boxes=4, box_jitter_pos=0.1, box_jitter_sz=0.5, iounet_topk=3,
        box_refine_step_length=2.5e-3, box_refine_iter=3, max_aspect_ratio=6,
        box_refine_step_decay=1,
    )).eval()  # fmt: skip
    head.init_iou_net(_feats(1, 0), torch.tensor([32.0, 32.0, 16.0, 16.0]))
    with torch.no_grad():
        out = head.predict(_feats(1, 1), torch.tensor([32.0, 32.0, 16.0, 16.0]),
                           torch.tensor([100.0, 200.0]), 2.0)  # fmt: skip
    # a small step: the box stays near the crop centre, mapped with scale 2
    assert out.shape == (4,)
    assert abs(float(out[0]) - 100.0) < 8 and abs(float(out[1]) - 200.0) < 8
    assert 16.0 < float(out[2]) < 64.0 and 16.0 < float(out[3]) < 64.0
