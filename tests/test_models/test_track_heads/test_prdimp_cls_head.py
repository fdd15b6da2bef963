"""PrDiMPClsHead: label densities, losses, sample memory schedule, localisation states."""

import math

import pytest
import torch

from mmtrack.registry import MODELS


def _head(**kw):
    cfg = dict(
        type="PrDiMPClsHead",
        in_dim=8,
        out_dim=6,
        filter_initializer=dict(
            type="FilterInitializer", filter_size=4, feature_dim=6, feature_stride=16
        ),
        filter_optimizer=dict(
            type="PrDiMPFilterOptimizer",
            num_iters=3,
            feat_stride=16,
            init_filter_regular=0.05,
            gauss_sigma=0.9,
            alpha_eps=0.05,
            min_filter_regular=0.05,
        ),
        loss_cls=dict(type="KLGridLoss"),
        locate_cfg=dict(
            no_target_min_score=0.04,
            distractor_thres=0.8,
            hard_neg_thres=0.5,
            target_neighborhood_scale=2.2,
            dispalcement_scale=0.8,
        ),
        update_cfg=dict(
            sample_memory_size=4,
            normal_lr=0.01,
            hard_neg_lr=0.5,
            init_samples_min_weight=0.25,
            train_skipping=20,
        ),
        optimizer_cfg=dict(init_update_iters=10, update_iters=2, hard_neg_iters=1),
        train_cfg=dict(
            feat_size=(4, 4),
            img_size=(64, 64),
            sigma_factor=0.25,
            end_pad_if_even=True,
            gauss_label_bias=0.0,
            use_gauss_density=True,
            label_density_norm=True,
            label_density_threshold=0.0,
            label_density_shrink=0,
            loss_weights=dict(cls_init=0.25, cls_iter=1.0, cls_final=0.25),
        ),
        test_cfg=dict(img_sample_size=64),
    )
    cfg.update(kw)
    head = MODELS.build(cfg)
    head.init_weights()
    return head


def test_label_density_by_hand():
    head = _head()
    # 4x4 features, even filter: a 5x5 grid at k = -1.5 .. 2.5 cells from the crop centre;
    # sigma = 0.25 * 4 = 1; a target at the crop centre (32, 32) sits at k = 0.5 (index 2)
    dens = head.get_targets(torch.tensor([[32.0, 32.0], [48.0, 32.0]]))
    assert dens.shape == (2, 5, 5)
    g = [math.exp(-(d**2) / 2) for d in (-2, -1, 0, 1, 2)]
    total = sum(g)
    assert float(dens[0, 2, 2]) == pytest.approx(1 / total**2, rel=1e-5)
    assert float(dens[0, 2, 3]) == pytest.approx(g[3] / total**2, rel=1e-5)
    assert float(dens[0].sum()) == pytest.approx(1.0, rel=1e-5)
    # 16 px right = one cell: the peak moves to column 3
    assert int(dens[1].argmax()) == 2 * 5 + 3


def test_loss_is_finite_and_trains_the_head():
    torch.manual_seed(0)
    head = _head()
    z = torch.randn(2 * 2, 8, 4, 4)  # 2 template frames x 2 sequences
    x = torch.randn(1 * 2, 8, 4, 4)
    zb = torch.tensor([[16.0, 16.0, 48.0, 48.0], [8.0, 16.0, 40.0, 48.0]]).repeat(2, 1, 1)
    xb = torch.tensor([[[16.0, 16.0, 48.0, 48.0], [8.0, 16.0, 40.0, 48.0]]])
    # make the target region of the search features recognisable
    x[:, :, 1:3, 1:3] += 2.0
    z[:, :, 1:3, 1:3] += 2.0
    opt = torch.optim.Adam(head.parameters(), lr=1e-2)
    totals = []
    for _ in range(15):
        losses = head.loss(z, x, zb, xb)
        assert set(losses) == {"loss_cls_init", "loss_cls_iter", "loss_cls_final"}
        total = sum(losses.values())
        totals.append(float(total))
        opt.zero_grad()
        total.backward()
        opt.step()
    assert all(math.isfinite(v) for v in totals)
    assert totals[-1] < totals[0] - 0.05, totals
    assert head.filter_initializer.filter_conv.weight.grad is not None


def test_state_dict_keys_are_mmtracking_1x():
    assert sorted(_head().state_dict()) == [
        "channel_mapping.0.weight",
        "filter_initializer.filter_conv.bias",
        "filter_initializer.filter_conv.weight",
        "filter_optimizer.filter_regular",
        "filter_optimizer.log_step_length",
    ]


def test_memory_schedule_by_hand():
    torch.manual_seed(1)
    head = _head()
    feats = torch.randn(2, 8, 4, 4)
    boxes = torch.tensor([[32.0, 32.0, 20.0, 20.0]]).repeat(3, 1)
    with torch.no_grad():
        head.init_classifier(feats, boxes, dropout_probs=[0.2])
    assert head.num_init_samples == 3 and head.num_samples == 3
    torch.testing.assert_close(head.sample_weights, torch.tensor([1 / 3, 1 / 3, 1 / 3, 0.0]))
    with torch.no_grad():
        head(torch.randn(1, 8, 4, 4))
        head.sample_feat = head.get_cls_feats(torch.randn(1, 8, 4, 4))
        # frame 2, normal, (2 - 1) % 20 != 0: nothing happens
        assert head.update_classifier(boxes[0], frame_num=2) == 0
        assert head.num_samples == 3
        # frame 21: 2 steps, memory unchanged
        assert head.update_classifier(boxes[0], frame_num=21) == 2
        assert head.num_samples == 3
        # hard negative, lr 0.5: slot 3; weights (1/3 each) / 0.5, new 0.5, normalised:
        # (2/3 * 3 + 0.5) = 2.5 -> init 0.2667 each, new 0.2; init sum 0.8 >= 0.25
        assert head.update_classifier(boxes[0], frame_num=22, hard_neg=True) == 1
    assert head.num_samples == 4 and head.replace_ind == 3
    torch.testing.assert_close(head.sample_weights, torch.tensor([2 / 3, 2 / 3, 2 / 3, 0.5]) / 2.5)
    # memory full: the lightest non-initial sample (slot 3) is replaced; its new weight is
    # the last one's / (1 - lr) = 0.2 / 0.5 = 0.4, then renormalised: (0.8 + 0.4) = 1.2
    with torch.no_grad():
        head.update_classifier(boxes[0], frame_num=23, hard_neg=True)
    torch.testing.assert_close(
        head.sample_weights, torch.tensor([0.8 / 3, 0.8 / 3, 0.8 / 3, 0.4]) / 1.2
    )


def test_localisation_states_by_hand():
    head = _head()
    prev = torch.tensor([100.0, 100.0, 16.0, 16.0])
    center = torch.tensor([100.0, 100.0])
    # 5x5 map, output 4 (even filter), crop 64 px, scale 1: 16 px per cell; centre cell (2.5, 2.5)
    scores = torch.zeros(5, 5)
    scores[3, 2] = 0.9  # row 3, column 2: displacement (-0.5, 0.5) cells = (-8, 8) px
    pos, state = head.predict_by_feat(scores, prev, center, 1.0)
    assert state == "normal"
    torch.testing.assert_close(pos, torch.tensor([92.0, 108.0]))
    # below no_target_min_score
    assert head.predict_by_feat(scores * 0.01, prev, center, 1.0)[1] == "not_found"
    # a far second peak at 0.6 x the peak (> hard_neg_thres 0.5, < distractor_thres 0.8)
    s2 = scores.clone()
    s2[0, 0] = 0.54
    assert head.predict_by_feat(s2, prev, center, 1.0)[1] == "hard_negative"
    # a far second peak at 0.9 x the peak: distractor far from the previous position,
    # target near it (|(-0.5, 0.5) - 0| < 0.8 * 5 / 2) -> hard negative at the peak
    s3 = scores.clone()
    s3[0, 0] = 0.85
    pos3, state3 = head.predict_by_feat(s3, prev, center, 1.0)
    assert state3 == "hard_negative"
    torch.testing.assert_close(pos3, torch.tensor([92.0, 108.0]))


def test_bad_init_samples():
    head = _head()
    with pytest.raises(ValueError, match="boxes"):
        head.init_classifier(torch.randn(2, 8, 4, 4), torch.zeros(1, 4))
