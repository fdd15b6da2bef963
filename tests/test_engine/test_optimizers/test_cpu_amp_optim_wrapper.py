"""CPUAmpOptimWrapper: bfloat16 autocast on CPU, plain optimizer state."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from mmtrack.engine.optimizers import CPUAmpOptimWrapper
from mmtrack.registry import OPTIM_WRAPPERS


def _wrapper(model: nn.Module, **kwargs) -> CPUAmpOptimWrapper:
    return OPTIM_WRAPPERS.build(dict(
        type="CPUAmpOptimWrapper", optimizer=torch.optim.SGD(model.parameters(), lr=0.5),
        **kwargs))


def test_forward_runs_in_bfloat16_and_step_updates_float32_weights() -> None:
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    wrapper = _wrapper(model)
    x = torch.randn(4, 3)
    w0 = model.weight.detach().clone()
    b0 = model.bias.detach().clone()
    with wrapper.optim_context(model):
        assert torch.is_autocast_enabled("cpu")
        assert torch.get_autocast_dtype("cpu") == torch.bfloat16
        out = model(x)
        loss = out.float().pow(2).mean()
    assert out.dtype == torch.bfloat16
    assert not torch.is_autocast_enabled("cpu")
    wrapper.update_params(loss)
    assert model.weight.dtype == torch.float32
    # SGD step w1 = w0 - lr * grad with d/dw mean((x w + b)^2) = 2/N * sum(out_i * x_i),
    # in float64; bfloat16 (8-bit mantissa) keeps the result to about 1e-2.
    xd = x.double()
    out_ref = xd @ w0.double()[0] + b0.double()
    grad = 2.0 / 4 * (out_ref[:, None] * xd).sum(0)
    torch.testing.assert_close(
        model.weight.detach()[0].double(), w0[0].double() - 0.5 * grad, rtol=0, atol=3e-2)
    torch.testing.assert_close(
        model.bias.detach().double(), b0.double() - 0.5 * 2.0 / 4 * out_ref.sum(),
        rtol=0, atol=3e-2)
    assert not torch.equal(model.weight.detach(), w0)


def test_state_dict_matches_plain_optimizer() -> None:
    model = nn.Linear(2, 1)
    wrapper = _wrapper(model)
    assert set(wrapper.state_dict()) == {"state", "param_groups"}


def test_rejects_float16() -> None:
    with pytest.raises(ValueError, match="dtype must be 'bfloat16'"):
        _wrapper(nn.Linear(2, 1), dtype="float16")
