"""Linear interpolation and GSI of tracks, against hand values and an eigen-decomposition."""

from __future__ import annotations

import numpy as np
import pytest

from mmtrack.evaluation.functional import (
    gaussian_smoothed_interpolation,
    gp_smooth,
    interpolate_tracks,
)


def track(track_id, frames, x0=0.0, dx=2.0, score=0.9):
    frames = np.asarray(frames, dtype=float)
    x = x0 + dx * frames
    ids = np.full(len(frames), track_id)
    return np.column_stack([frames, ids, x, x + 1, x + 10, x + 21, np.full(len(frames), score)])


def test_linear_interpolation_rules():
    tracks = np.concatenate(
        [
            track(1, [1, 2, 3, 4, 5, 9]),  # 6 rows > 5: gap 5 -> 9 (4 < 20) is filled
            track(2, [1, 2, 3, 4, 8]),  # 5 rows: not interpolated
            track(3, [1, 6]),  # 2 rows: dropped
            track(4, [1, 2, 3, 4, 5, 30]),  # gap of 25 >= 20: not filled
        ]
    )
    out = interpolate_tracks(tracks, min_num_frames=5, max_num_frames=20)
    assert sorted(set(out[:, 1])) == [1, 2, 4]
    t1 = out[out[:, 1] == 1]
    assert t1[:, 0].tolist() == [1, 2, 3, 4, 5, 6, 7, 8, 9]
    new = t1[np.isin(t1[:, 0], [6, 7, 8])]
    # x = 2 * frame on the known rows, so the linear fill is x = 12, 14, 16
    np.testing.assert_allclose(new[:, 2], [12, 14, 16])
    np.testing.assert_allclose(new[:, 5] - new[:, 2], [21, 21, 21])
    np.testing.assert_array_equal(new[:, 6], [1, 1, 1])
    assert len(out[out[:, 1] == 2]) == 5 and len(out[out[:, 1] == 4]) == 6
    # rows sorted by frame, then id
    assert np.all(np.diff(out[:, 0]) >= 0)
    assert interpolate_tracks(track(3, [1, 6])).shape == (0, 7)


def eig_smooth(t, y, length_scale, alpha=1e-10):
    """K (K + alpha I)^-1 y through the eigen-decomposition of K."""
    k = np.exp(-((t[:, None] - t[None, :]) ** 2) / (2 * length_scale**2))
    lam, vec = np.linalg.eigh(k)
    return vec @ np.diag(lam / (lam + alpha)) @ vec.T @ y


@pytest.mark.parametrize("n, length_scale, atol", [(12, 3.0, 1e-5), (30, 29.95, 1e-2)])
def test_gp_smooth_closed_form(n, length_scale, atol):
    rng = np.random.default_rng(n)
    t = np.arange(n, dtype=float) + 7
    y = rng.normal(size=(n, 4)) * 5 + 100
    out = gp_smooth(t, y, length_scale)
    np.testing.assert_allclose(out, eig_smooth(t, y, length_scale), atol=atol)
    assert np.abs(out - y).max() > 100 * atol  # it does smooth


def test_gsi_length_scale_and_noise_reduction():
    rng = np.random.default_rng(0)
    frames = np.arange(1, 41)
    clean = track(1, frames, dx=3.0)
    noisy = clean.copy()
    noisy[:, 2:6] += rng.normal(scale=2.0, size=(40, 4))
    tau = 10
    out = gaussian_smoothed_interpolation(noisy, smooth_tau=tau)
    # l = clip(tau * log(tau^3 / N), 1 / tau, tau^2) = 10 * log(25)
    expected = eig_smooth(frames.astype(float), noisy[:, 2:6], 10 * np.log(1000 / 40))
    np.testing.assert_allclose(out[:, 2:6], expected, atol=1e-2)
    np.testing.assert_array_equal(out[:, [0, 1, 6]], noisy[:, [0, 1, 6]])
    err_before = np.sqrt(np.mean((noisy[:, 2:6] - clean[:, 2:6]) ** 2))
    err_after = np.sqrt(np.mean((out[:, 2:6] - clean[:, 2:6]) ** 2))
    assert err_after < 0.6 * err_before
    # N = 30 > tau^3 = 27: l is clipped to 1 / tau; with frames 10 apart the
    # kernel is the identity and the boxes come back unchanged
    sparse = track(2, np.arange(1, 301, 10))
    smoothed = gaussian_smoothed_interpolation(sparse, smooth_tau=3)
    np.testing.assert_allclose(smoothed[:, 2:6], sparse[:, 2:6], rtol=1e-9)


def test_interpolate_then_gsi():
    rows = track(5, [1, 2, 3, 4, 5, 6, 10])
    out = interpolate_tracks(rows, min_num_frames=5, max_num_frames=20, use_gsi=True)
    assert out[:, 0].tolist() == list(range(1, 11))
    # a straight line stays (nearly) straight after smoothing
    np.testing.assert_allclose(out[:, 2], 2.0 * out[:, 0], atol=0.05)
