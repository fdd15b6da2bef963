"""PrDiMP's classifier: filter application, FilterInitializer, PrDiMPFilterOptimizer."""

import math

import pytest
import torch

from mmtrack.models.filter import (
    FilterInitializer,
    PrDiMPFilterOptimizer,
    apply_feat_transpose,
    apply_filter,
)
from mmtrack.registry import MODELS


def _problem(seed=0, n_img=3, n_seq=2, c=4, size=9, f=4):
    g = torch.Generator().manual_seed(seed)
    feat = torch.randn(n_img, n_seq, c, size, size, generator=g)
    weights = 0.1 * torch.randn(n_seq, c, f, f, generator=g)
    # boxes cx, cy, w, h in pixels (stride 16), inside the 9x9 feature map
    bboxes = torch.tensor([[56.0, 64.0, 32.0, 16.0]]).repeat(n_img, n_seq, 1)
    bboxes[..., :2] += 16 * torch.randint(-1, 2, (n_img, n_seq, 2), generator=g)
    return feat, weights, bboxes


def test_apply_filter_shapes_and_value():
    feat, weights, _ = _problem()
    assert apply_filter(feat, weights).shape == (3, 2, 10, 10)  # even filter: +1
    assert apply_filter(feat, weights[..., :3, :3]).shape == (3, 2, 9, 9)
    # 1x1 filter: score = sum_c w_c x_c, per sequence
    w = torch.randn(2, 4, 1, 1)
    expected = (feat * w[None, :, :, :, :]).sum(2)
    torch.testing.assert_close(apply_filter(feat, w), expected)
    with pytest.raises(ValueError, match="do not match"):
        apply_filter(feat, torch.zeros(3, 4, 1, 1))


@pytest.mark.parametrize("f", [3, 4])
def test_feat_transpose_is_the_filter_gradient(f):
    feat, weights, _ = _problem(f=f)
    w = weights.clone().requires_grad_(True)
    scores = apply_filter(feat, w)
    residual = torch.randn_like(scores)
    (expected,) = torch.autograd.grad((scores * residual).sum(), w)
    torch.testing.assert_close(apply_feat_transpose(feat, residual, (f, f)), expected)


def test_label_density_peak_and_normalisation():
    opt = PrDiMPFilterOptimizer(gauss_sigma=1.0, feat_stride=16)
    # centre (row 1, column 2): q_k ∝ exp(-d^2 / 2), normalised over the 5x6 grid
    dens = opt.gen_label_density(torch.tensor([[[1.0, 2.0]]]), (5, 6))
    rows = torch.tensor([math.exp(-((i - 1) ** 2) / 2) for i in range(5)])
    cols = torch.tensor([math.exp(-((j - 2) ** 2) / 2) for j in range(6)])
    by_hand = rows[:, None] * cols[None, :]
    torch.testing.assert_close(dens[0, 0], by_hand / by_hand.sum())
    # one-hot label for sigma 0
    one_hot = PrDiMPFilterOptimizer(gauss_sigma=0).gen_label_density(
        torch.tensor([[[3.2, 0.9]]]), (5, 6)
    )
    assert (
        float(one_hot.sum()) == pytest.approx(1.0, abs=1e-6) and float(one_hot[0, 0, 3, 1]) > 0.99
    )


def test_one_step_on_a_1d_toy_problem_by_hand():
    # one image, one channel, a 1x2 feature map x = (1, -1), a 1x1 filter w0 = 0
    # box centre (0.5, 0.5) px at stride 1 -> cell (row 0, column 0) (odd filter: -0.5)
    feat = torch.tensor([1.0, -1.0]).view(1, 1, 1, 1, 2)
    w0 = torch.zeros(1, 1, 1, 1)
    bbox = torch.tensor([[[0.5, 0.5, 1.0, 1.0]]])
    opt = PrDiMPFilterOptimizer(
        num_iters=1,
        feat_stride=1,
        init_filter_regular=0.2,
        gauss_sigma=1.0,
        alpha_eps=0.1,
        min_filter_regular=0.0,
    )
    w1, iterates, losses = opt(w0, feat, bbox, compute_losses=True)
    w1 = w1.detach()
    # s = (0, 0), p = (1/2, 1/2), q = (1, e^-1/2) / (1 + e^-1/2)
    q0 = 1 / (1 + math.exp(-0.5))
    q1 = 1 - q0
    d = (0.5 - q0) * 1 + (0.5 - q1) * (-1)  # X^T (p - q) + lambda * w0 (w0 = 0)
    # v = X d = (d, -d); v^T (diag p - p p^T) v = d^2; lambda = 0.2^2 = 0.04
    alpha = d * d / (d * d + (0.04 + 0.1) * d * d)
    assert float(w1) == pytest.approx(-alpha * d, rel=1e-5)
    assert float(w1) == pytest.approx(0.24491866 / 1.14, rel=1e-4)
    # L(w) = log(e^w + e^-w) - (q0 w - q1 w) + 0.02 w^2
    w = float(w1)
    loss1 = math.log(math.exp(w) + math.exp(-w)) - (q0 - q1) * w + 0.5 * 0.04 * w * w
    assert float(losses[0]) == pytest.approx(math.log(2.0))
    assert float(losses[1]) == pytest.approx(loss1, rel=1e-5)
    assert len(iterates) == 2 and iterates[0] is w0 and w1.shape == (1, 1, 1, 1)


def test_step_is_the_newton_step_along_the_gradient():
    feat, weights, bboxes = _problem()
    opt = PrDiMPFilterOptimizer(num_iters=1, init_filter_regular=0.1, gauss_sigma=1.0).eval()
    new, iterates, losses = opt(weights, feat, bboxes, compute_losses=True)

    # independent reference: autograd gradient and exact Hessian-vector product
    center = (bboxes[..., :2] / 16).flip(-1)  # even filter: no offset
    label = opt.gen_label_density(center, (10, 10))
    sw = torch.full((3, 2), 1 / 3)

    def objective(w):
        s = apply_filter(feat, w).flatten(2)
        data = torch.logsumexp(s, dim=2) - (label.flatten(2) * s).sum(2)
        return (sw * data).sum() + 0.5 * 0.01 * (w**2).sum()

    w0 = weights.clone().requires_grad_(True)
    (d,) = torch.autograd.grad(objective(w0), w0)
    _, hd = torch.autograd.functional.hvp(objective, weights, d)
    alpha = (d * d).sum(dim=(1, 2, 3)) / (d * hd).sum(dim=(1, 2, 3))
    expected = weights - alpha.view(-1, 1, 1, 1) * d
    torch.testing.assert_close(new, expected, rtol=1e-4, atol=1e-6)
    assert len(iterates) == 2 and len(losses) == 2
    assert float(losses[0]) == pytest.approx(float(objective(weights)), rel=1e-5)


def test_iterations_decrease_the_objective():
    feat, weights, bboxes = _problem(seed=3)
    opt = MODELS.build(
        dict(type="PrDiMPFilterOptimizer", num_iters=5, init_filter_regular=0.1, alpha_eps=0.05)
    )
    with torch.no_grad():
        _, iterates, losses = opt(weights, feat, bboxes, compute_losses=True)
    values = [float(v) for v in losses]
    assert all(b < a for a, b in zip(values, values[1:])), values
    assert values[-1] < 0.9 * values[0]
    assert len(iterates) == 6


def test_sample_weights_and_one_sequence_input():
    feat, weights, bboxes = _problem(seed=5, n_seq=1)
    opt = PrDiMPFilterOptimizer(num_iters=2)
    sw = torch.tensor([0.5, 0.3, 0.2])
    a, _, _ = opt(weights, feat, bboxes, sample_weights=sw[:, None])
    b, _, _ = opt(weights, feat[:, 0], bboxes[:, 0], sample_weights=sw)  # test-time shapes
    torch.testing.assert_close(a, b)
    # a zero-weighted image does not matter
    c, _, _ = opt(weights, feat[:2], bboxes[:2], sample_weights=torch.tensor([0.5, 0.3]))
    d, _, _ = opt(
        weights,
        torch.cat([feat[:2], 5 * feat[2:]]),
        bboxes,
        sample_weights=torch.tensor([0.5, 0.3, 0.0]),
    )
    torch.testing.assert_close(c, d)


def test_learnable_step_length_and_regularisation_get_gradients():
    feat, weights, bboxes = _problem(seed=4)
    opt = PrDiMPFilterOptimizer(num_iters=2).train()
    feat.requires_grad_(True)
    new, _, _ = opt(weights, feat, bboxes)
    apply_filter(feat, new).pow(2).mean().backward()
    assert float(opt.log_step_length.grad.abs()) > 0
    assert float(opt.filter_regular.grad.abs()) > 0 and feat.grad is not None
    assert sorted(opt.state_dict()) == ["filter_regular", "log_step_length"]


def test_filter_initializer_pools_the_target_region():
    init = FilterInitializer(filter_size=2, feature_dim=1, feature_stride=1)
    init.init_weights()
    assert float(init.filter_conv.weight.abs().sum()) == 0.0
    # identity conv: the filter is the PrRoI-pooled feature itself
    with torch.no_grad():
        init.filter_conv.weight[0, 0, 1, 1] = 1.0
    # feature f(x, y) = x (column index), box x1y1x2y2 (1, 1, 3, 3): bins [1, 2] and [2, 3]
    # in x average x over the bin -> 1.5 and 2.5 in every row
    feat = torch.arange(6.0).repeat(6, 1).view(1, 1, 6, 6)
    out = init(feat, torch.tensor([[1.0, 1.0, 3.0, 3.0]]))
    torch.testing.assert_close(out, torch.tensor([[[[1.5, 2.5], [1.5, 2.5]]]]))
    # two images of one sequence: the mean filter
    feats = torch.stack([feat[0], 3 * feat[0]])[:, None]  # (2, 1, 1, 6, 6)
    boxes = torch.tensor([[1.0, 1.0, 3.0, 3.0]]).repeat(2, 1, 1)
    torch.testing.assert_close(init(feats, boxes), 2 * out)
    assert sorted(init.state_dict()) == ["filter_conv.bias", "filter_conv.weight"]
    with pytest.raises(ValueError, match="boxes"):
        init(feats, boxes[:1])
