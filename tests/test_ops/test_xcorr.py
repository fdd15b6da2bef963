"""Tests of depth-wise and naive cross-correlation against explicit loops."""

from __future__ import annotations

import pytest
import torch

from mmtrack.ops import depthwise_xcorr, naive_xcorr


def _loop_xcorr(x: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
    n, c, hx, wx = x.shape
    hk, wk = kernel.shape[2:]
    out = torch.zeros(n, c, hx - hk + 1, wx - wk + 1, dtype=x.dtype)
    for b in range(n):
        for ch in range(c):
            for i in range(hx - hk + 1):
                for j in range(wx - wk + 1):
                    out[b, ch, i, j] = (x[b, ch, i : i + hk, j : j + wk] * kernel[b, ch]).sum()
    return out


def test_depthwise_and_naive_match_loops():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(2, 3, 7, 6, generator=g, dtype=torch.float64)
    kernel = torch.randn(2, 3, 3, 2, generator=g, dtype=torch.float64)
    expected = _loop_xcorr(x, kernel)
    out = depthwise_xcorr(x, kernel)
    assert out.shape == (2, 3, 5, 5)
    torch.testing.assert_close(out, expected)
    naive = naive_xcorr(x, kernel)
    assert naive.shape == (2, 1, 5, 5)
    torch.testing.assert_close(naive, expected.sum(dim=1, keepdim=True))


def test_by_hand_and_gradients():
    x = torch.arange(9.0).reshape(1, 1, 3, 3)
    kernel = torch.tensor([[[[1.0, 0.0], [0.0, -1.0]]]])
    # out[i, j] = x[i, j] - x[i + 1, j + 1] = -4 everywhere (correlation, not convolution)
    assert depthwise_xcorr(x, kernel).flatten().tolist() == [-4.0] * 4
    x = x.double().requires_grad_()
    kernel = kernel.double().requires_grad_()
    assert torch.autograd.gradcheck(depthwise_xcorr, (x, kernel))
    assert torch.autograd.gradcheck(naive_xcorr, (x, kernel))


def test_bad_shapes():
    with pytest.raises(ValueError, match="share"):
        depthwise_xcorr(torch.zeros(2, 3, 7, 7), torch.zeros(2, 4, 3, 3))
    with pytest.raises(ValueError, match="larger"):
        naive_xcorr(torch.zeros(1, 3, 2, 7), torch.zeros(1, 3, 3, 3))
    with pytest.raises(ValueError, match="4-D"):
        depthwise_xcorr(torch.zeros(3, 7, 7), torch.zeros(3, 3, 3))


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_matches_cpu():
    x, kernel = torch.randn(2, 4, 9, 9), torch.randn(2, 4, 3, 3)
    torch.testing.assert_close(
        depthwise_xcorr(x.cuda(), kernel.cuda()).cpu(), depthwise_xcorr(x, kernel)
    )
    torch.testing.assert_close(naive_xcorr(x.cuda(), kernel.cuda()).cpu(), naive_xcorr(x, kernel))
