"""PrDiMP's KL losses: grid integration (classifier) and Monte Carlo (box regression)."""

import math

import pytest
import torch

from mmtrack.models.losses.kl_loss import KLGridLoss, KLMCLoss
from mmtrack.registry import MODELS


def test_kl_grid_loss_by_hand():
    scores = torch.tensor([[0.0, math.log(2.0)]])
    q = torch.tensor([[0.5, 0.5]])
    # log(1 + 2) - 0.5 * log 2
    assert float(KLGridLoss()(scores, q)) == pytest.approx(math.log(3) - 0.5 * math.log(2))


def test_kl_grid_loss_is_minimal_at_the_label_density():
    torch.manual_seed(0)
    a = 0.25  # cell area
    q = torch.rand(3, 10)
    q = q / (q.sum(-1, keepdim=True) * a)  # a density: sum(q) * a = 1
    loss = KLGridLoss()
    at_q = loss(torch.log(q), q, grid_scale=a)
    entropy = -(a * q * torch.log(q)).sum(-1).mean()  # KL(q || q) = 0 leaves q's entropy
    assert float(at_q) == pytest.approx(float(entropy), rel=1e-5)
    for _ in range(5):
        other = torch.log(q) + 0.3 * torch.randn_like(q)
        assert float(loss(other, q, grid_scale=a)) > float(at_q)
    # a constant shift of the scores changes nothing (they are unnormalised)
    assert float(loss(torch.log(q) + 7.0, q, grid_scale=a)) == pytest.approx(float(at_q), rel=1e-5)


def test_kl_mc_loss_with_grid_samples_equals_the_grid_loss():
    torch.manual_seed(1)
    k, a = 12, 0.5
    scores = torch.randn(4, k)
    q = torch.rand(4, k)
    q = q / (q.sum(-1, keepdim=True) * a)
    uniform = torch.full((4, k), 1.0 / (k * a))  # proposal density uniform on the domain
    mc = KLMCLoss()(scores, uniform, q)
    grid = KLGridLoss()(scores, q, grid_scale=a)
    assert float(mc) == pytest.approx(float(grid), rel=1e-5)
    with pytest.raises(ValueError, match="differ"):
        KLMCLoss()(scores, uniform[:, :3], q)


def test_kl_mc_loss_by_hand():
    # two samples: s = (0, log 2), u = (0.5, 0.25), q = (1, 0)
    scores = torch.tensor([[0.0, math.log(2.0)]])
    u = torch.tensor([[0.5, 0.25]])
    q = torch.tensor([[1.0, 0.0]])
    # log((1 / 0.5 + 2 / 0.25) / 2) - (0 * 1 / 0.5 + log 2 * 0 / 0.25) / 2 = log 5
    assert float(KLMCLoss()(scores, u, q)) == pytest.approx(math.log(5.0))
    # built from the registry with a weight
    loss = MODELS.build(dict(type="KLMCLoss", loss_weight=2.0))
    assert float(loss(scores, u, q)) == pytest.approx(2 * math.log(5.0))


def test_kl_grid_loss_shape_error():
    with pytest.raises(ValueError, match="differ"):
        KLGridLoss()(torch.zeros(2, 3), torch.zeros(2, 4))
