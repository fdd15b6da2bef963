"""CenterHead (OSTrack): decoding, Gaussian targets, Hann window, losses; CE keep-rate schedule."""

import logging
import math

import pytest
import torch
from mmengine.logging import MMLogger

from mmtrack.engine.hooks.ce_keep_rate_hook import CEKeepRateHook, ce_keep_rate
from mmtrack.models.losses import GaussianFocalLoss
from mmtrack.models.track_heads.center_head import gaussian_heatmap, gaussian_radius, hann2d
from mmtrack.registry import MODELS
from mmtrack.utils import register_all_modules

register_all_modules()
MMLogger.get_current_instance().setLevel(logging.WARNING)


def _head(**kw):
    cfg = dict(type="CenterHead", in_channels=8, feat_channels=16, feat_size=16)
    cfg.update(kw)
    return MODELS.build(cfg)


def _maps(ix, iy, off, wh, f=16):
    score = torch.full((1, 1, f, f), 0.01)
    score[0, 0, iy, ix] = 0.9
    size = torch.zeros(1, 2, f, f)
    size[0, :, iy, ix] = torch.tensor(wh)
    offset = torch.zeros(1, 2, f, f)
    offset[0, :, iy, ix] = torch.tensor(off)
    return score, size, offset


def test_state_dict_names_and_shapes():
    head = _head(in_channels=768, feat_channels=256)
    sd = head.state_dict()
    # OSTrack CenterPredictor: 768 -> 256 -> 128 -> 64 -> 32 -> {1, 2, 2}
    assert sd["conv1_ctr.0.weight"].shape == (256, 768, 3, 3)
    assert sd["conv4_size.1.running_var"].shape == (32,)
    assert sd["conv5_ctr.weight"].shape == (1, 32, 1, 1)
    assert sd["conv5_offset.weight"].shape == (2, 32, 1, 1)
    assert len(sd) == 3 * (4 * 7 + 2)


def test_forward_shapes_and_ranges():
    head = _head().eval()
    with torch.no_grad():
        score, size, offset = head(torch.randn(2, 8, 16, 16) * 100)
    assert score.shape == (2, 1, 16, 16) and size.shape == offset.shape == (2, 2, 16, 16)
    assert score.min() >= 1e-4 and score.max() <= 1 - 1e-4
    assert size.min() >= 1e-4 and size.max() <= 1 - 1e-4


def test_decode_one_hot_score():
    # cal_bbox: ((ix + ox) / F, (iy + oy) / F, w, h)
    boxes, best = _head().decode(*_maps(9, 5, (0.25, 0.5), (0.2, 0.3)))
    torch.testing.assert_close(boxes, torch.tensor([[9.25 / 16, 5.5 / 16, 0.2, 0.3]]))
    assert best.tolist() == [pytest.approx(0.9)]


def test_gaussian_radius_by_hand():
    # w = h = 4, overlap 0.7: roots 7.630, 14.693, 1.0935 (computed by hand); min is r3
    r = gaussian_radius(torch.tensor([[4.0, 4.0]]), 0.7)
    assert float(r) == pytest.approx((-11.2 + math.sqrt(11.2**2 + 4 * 2.8 * 4.8)) / 2, rel=1e-5)
    assert float(r) == pytest.approx(1.0935, abs=1e-3)


def test_gaussian_heatmap_peak_and_neighbours():
    # box 0.3..0.6 x 0.3..0.7 on 16 cells: centre (7.2, 8.0) -> cell (x=7, y=8);
    # w, h = 4.8, 6.4 -> radius 1, sigma = 3 / 6
    heat = gaussian_heatmap(torch.tensor([[0.3, 0.3, 0.6, 0.7]]), 16)
    assert heat.shape == (1, 1, 16, 16)
    assert heat[0, 0, 8, 7] == 1 and int(heat.eq(1).sum()) == 1
    assert float(heat[0, 0, 8, 8]) == pytest.approx(math.exp(-2), rel=1e-5)
    assert float(heat[0, 0, 7, 6]) == pytest.approx(math.exp(-4), rel=1e-5)
    assert float(heat[0, 0, 8, 9]) == 0.0  # outside the 3x3 patch


def test_hann2d():
    w = torch.tensor([0.5, 1.0, 0.5])  # 0.5 (1 - cos(2 pi i / 4)), i = 1..3
    torch.testing.assert_close(hann2d(3)[0, 0], w[:, None] * w[None, :])


def test_gaussian_focal_loss_by_hand():
    pred = torch.tensor([0.5, 0.2])
    target = torch.tensor([1.0, 0.5])
    pos = -math.log(0.5) * 0.5**2
    neg = -math.log(0.8) * 0.2**2 * 0.5**4
    loss = GaussianFocalLoss()(pred, target, avg_factor=1.0)
    assert float(loss) == pytest.approx(pos + neg, rel=1e-5)


def test_loss_giou_l1_weights():
    head = _head()
    score, size, offset = _maps(8, 8, (0.0, 0.0), (0.25, 0.25))
    # prediction: cx = cy = 0.5, w = h = 0.25 -> [0.375, 0.375, 0.625, 0.625]
    gt = torch.tensor([[0.375, 0.375, 0.625, 0.875]])
    losses = head.loss(score, size, offset, gt)
    # IoU 0.5, enclosing box = union -> GIoU 0.5; loss 2 * 0.5
    assert float(losses["loss_bbox"]) == pytest.approx(1.0, rel=1e-4)
    # L1 mean(|0, 0, 0, 0.25|) = 0.0625, weight 5
    assert float(losses["loss_l1"]) == pytest.approx(0.3125, rel=1e-5)
    assert float(losses["iou"]) == pytest.approx(0.5, rel=1e-4)
    # focal against the Gaussian target of the gt, normalised by its one peak
    target = gaussian_heatmap(gt, 16)
    p = score.clamp(1e-12, 1 - 1e-12)
    manual = -(
        torch.log(p) * (1 - p) ** 2 * target.eq(1)
        + torch.log(1 - p) * p**2 * (1 - target) ** 4 * target.lt(1)
    ).sum()
    assert float(losses["loss_cls"]) == pytest.approx(float(manual), rel=1e-5)


def test_loss_weights_reproduce_the_published_log_line():
    # OSTrack training log: GIoU 1.22484, L1 0.28600, focal 46.47531 -> total 50.35499
    head = MODELS.build(dict(type="CenterHead", in_channels=8, feat_channels=16))
    total = (
        head.loss_bbox.loss_weight * 1.22484
        + head.loss_l1.loss_weight * 0.28600
        + head.loss_cls.loss_weight * 46.47531
    )
    assert total == pytest.approx(50.35499, abs=1e-5)


def test_feat_size_check():
    with pytest.raises(ValueError, match="16x16"):
        _head()(torch.zeros(1, 8, 8, 8))


@pytest.mark.parametrize(
    "epoch,rate",
    [(1, 1.0), (19, 1.0), (20, 1.0), (60, 0.85), (100, 0.7), (300, 0.7)],
)
def test_ce_keep_rate_schedule(epoch, rate):
    # OSTrack adjust_keep_rate(epoch, 20, 100, base 0.7): cosine from 1 to 0.7 over epochs 20-100
    assert ce_keep_rate(epoch, 20, 80, 0.7) == pytest.approx(rate)


def test_ce_keep_rate_hook_sets_model_rate():
    class Runner:
        epoch = 59  # 0-based -> OSTrack epoch 60

        class model:  # noqa: N801
            class backbone:  # noqa: N801
                ce_keep_ratio = [0.7, 0.7, 0.7]

    CEKeepRateHook(start_epoch=20, warm_epochs=80).before_train_epoch(Runner)
    assert Runner.model.ce_keep_rate == pytest.approx(0.85)
    with pytest.raises(ValueError, match="warm_epochs"):
        CEKeepRateHook(warm_epochs=0)
