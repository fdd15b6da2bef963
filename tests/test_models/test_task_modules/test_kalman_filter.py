"""KalmanFilter against predict/update steps derived by hand."""

import numpy as np
import pytest

from mmtrack.registry import TASK_UTILS
from mmtrack.utils import register_all_modules

register_all_modules()


def build(**kw):
    return TASK_UTILS.build(dict(type="KalmanFilter", **kw))


def test_initiate_xyah_by_hand():
    kf = build()
    mean, cov = kf.initiate(np.array([10.0, 20.0, 0.5, 40.0]))
    np.testing.assert_allclose(mean, [10, 20, 0.5, 40, 0, 0, 0, 0])
    # position std = 2 * h / 20 = 4, aspect 1e-2; velocity std = 10 * h / 160 = 2.5, aspect 1e-5
    np.testing.assert_allclose(np.diag(cov), [16, 16, 1e-4, 16, 6.25, 6.25, 1e-10, 6.25])
    assert np.count_nonzero(cov - np.diag(np.diag(cov))) == 0


def test_predict_then_update_by_hand():
    kf = build()
    mean, cov = kf.initiate(np.array([10.0, 20.0, 0.5, 40.0]))
    mean, cov = kf.predict(mean, cov)
    # P_xx = 16 + 6.25 (velocity) + 4 (process noise (40 / 20) ** 2)
    assert cov[0, 0] == pytest.approx(26.25)
    assert cov[0, 4] == pytest.approx(6.25)
    # P_vv = 6.25 + (40 / 160) ** 2
    assert cov[4, 4] == pytest.approx(6.3125)
    new_mean, new_cov = kf.update(mean, cov, np.array([11.0, 20.0, 0.5, 40.0]))
    s = 26.25 + 4.0  # innovation variance: P_xx + R_xx, R_xx = (40 / 20) ** 2
    assert new_mean[0] == pytest.approx(10 + 26.25 / s)
    assert new_mean[4] == pytest.approx(6.25 / s)
    assert new_mean[1] == pytest.approx(20.0)
    assert new_cov[0, 0] == pytest.approx(26.25 - 26.25**2 / s)
    assert new_cov[4, 4] == pytest.approx(6.3125 - 6.25**2 / s)


def test_constant_velocity_prediction():
    kf = build()
    mean = np.array([0.0, 0.0, 1.0, 10.0, 2.0, -1.0, 0.0, 0.5])
    cov = np.eye(8)
    new_mean, _ = kf.predict(mean, cov)
    np.testing.assert_allclose(new_mean, [2, -1, 1, 10.5, 2, -1, 0, 0.5])


def test_batched_equals_single():
    kf = build()
    rng = np.random.default_rng(0)
    z = np.column_stack(
        [
            rng.uniform(0, 100, 5),
            rng.uniform(0, 100, 5),
            rng.uniform(0.3, 1, 5),
            rng.uniform(20, 80, 5),
        ]
    )
    means, covs = kf.initiate(z)
    means, covs = kf.predict(means, covs)
    z2 = z + rng.normal(0, 1, z.shape)
    bm, bc = kf.update(means, covs, z2)
    for k in range(5):
        m, c = kf.update(means[k], covs[k], z2[k])
        np.testing.assert_allclose(bm[k], m)
        np.testing.assert_allclose(bc[k], c)


def test_gating_distance_is_mahalanobis():
    kf = build()
    mean, cov = kf.initiate(np.array([50.0, 50.0, 0.5, 20.0]))
    z = np.array([[52.0, 49.0, 0.5, 21.0], [50.0, 50.0, 0.5, 20.0]])
    d = kf.gating_distance(mean, cov, z)
    # Innovation covariance: diag(P[:4]) + R with R = ((20/20)^2, 1, 0.1^2, 1).
    s = np.diag(cov)[:4] + np.array([1.0, 1.0, 0.01, 1.0])
    expected = np.sum((z - mean[:4]) ** 2 / s, axis=1)
    np.testing.assert_allclose(d, expected)
    assert kf.gating_threshold == pytest.approx(9.4877)


def test_xywh_noise_scales_with_width_and_height():
    kf = build(box_format="xywh")
    mean, cov = kf.initiate(np.array([0.0, 0.0, 30.0, 60.0]))
    # position std = 2 / 20 * (w, h, w, h)
    np.testing.assert_allclose(np.diag(cov)[:4], np.square([3.0, 6.0, 3.0, 6.0]))


def test_nsa_scales_measurement_noise():
    kf = build(use_nsa=True)
    mean, cov = kf.initiate(np.array([10.0, 20.0, 0.5, 40.0]))
    _, proj_cov = kf.project(mean[None], cov[None], confidence=np.array([0.75]))
    # R_xx = (40 / 20)^2 * (1 - 0.75) = 1
    assert proj_cov[0, 0, 0] == pytest.approx(16 + 1.0)


def test_bad_box_format():
    with pytest.raises(ValueError, match="box_format"):
        build(box_format="xyxy")


def test_predict_equals_explicit_matrix_product():
    kf = build()
    rng = np.random.default_rng(1)
    a = rng.normal(size=(6, 8, 8))
    cov = a @ a.transpose(0, 2, 1) + np.eye(8)  # full symmetric positive definite
    mean = rng.normal(size=(6, 8)) + np.array([0, 0, 1, 50, 0, 0, 0, 0])
    f = np.eye(8)
    f[:4, 4:] = np.eye(4)
    new_mean, new_cov = kf.predict(mean, cov)
    np.testing.assert_allclose(new_mean, mean @ f.T)
    noise = new_cov - f @ cov @ f.T
    # the remainder is the diagonal process noise Q(h) of each track
    h = mean[:, 3]
    q = np.stack(
        [
            (h / 20) ** 2,
            (h / 20) ** 2,
            np.full(6, 1e-4),
            (h / 20) ** 2,
            (h / 160) ** 2,
            (h / 160) ** 2,
            np.full(6, 1e-10),
            (h / 160) ** 2,
        ],
        axis=1,
    )
    np.testing.assert_allclose(noise, np.stack([np.diag(v) for v in q]), atol=1e-9)


def test_compact_predict_then_update_by_hand():
    kf = build()
    mean, cov = kf.initiate(np.array([10.0, 20.0, 0.5, 40.0]), compact=True)
    assert cov.shape == (3, 4)
    np.testing.assert_allclose(cov, [[16, 16, 1e-4, 16], [0, 0, 0, 0], [6.25, 6.25, 1e-10, 6.25]])
    mean, cov = kf.predict(mean, cov)
    # same hand values as the full layout: P_xx, P_xv, P_vv of the x coordinate
    assert cov[0, 0] == pytest.approx(26.25)
    assert cov[1, 0] == pytest.approx(6.25)
    assert cov[2, 0] == pytest.approx(6.3125)
    new_mean, new_cov = kf.update(mean, cov, np.array([11.0, 20.0, 0.5, 40.0]))
    s = 26.25 + 4.0
    assert new_mean[0] == pytest.approx(10 + 26.25 / s)
    assert new_mean[4] == pytest.approx(6.25 / s)
    assert new_mean[1] == pytest.approx(20.0)
    assert new_cov[0, 0] == pytest.approx(26.25 - 26.25**2 / s)
    assert new_cov[1, 0] == pytest.approx(6.25 - 26.25 * 6.25 / s)
    assert new_cov[2, 0] == pytest.approx(6.3125 - 6.25**2 / s)


@pytest.mark.parametrize("box_format,use_nsa", [("xyah", False), ("xywh", False), ("xyah", True)])
def test_compact_layout_follows_the_full_filter(box_format, use_nsa):
    # Twenty predict/update steps (with gaps) in both layouts stay equal: the full
    # filter (checked by hand above) never fills entries outside the 2x2 blocks.
    kf = build(box_format=box_format, use_nsa=use_nsa)
    rng = np.random.default_rng(3)
    z = np.column_stack(
        [
            rng.uniform(0, 500, 7),
            rng.uniform(0, 500, 7),
            rng.uniform(0.3, 60, 7),
            rng.uniform(20, 80, 7),
        ]
    )
    mf, cf = kf.initiate(z)
    mc, cc = kf.initiate(z, compact=True)
    for step in range(20):
        mf, cf = kf.predict(mf, cf)
        mc, cc = kf.predict(mc, cc)
        if step % 3 != 2:
            z = z + rng.normal(0, 2, z.shape)
            conf = rng.uniform(0.2, 0.9, 7)
            mf, cf = kf.update(mf, cf, z, conf)
            mc, cc = kf.update(mc, cc, z, conf)
        np.testing.assert_allclose(mc, mf, rtol=1e-10, atol=1e-9)
        np.testing.assert_allclose(kf.full_covariance(cc), cf, rtol=1e-10, atol=1e-9)
    dets = z[:3] + 1.5
    np.testing.assert_allclose(
        kf.gating_distance(mc, cc, dets), kf.gating_distance(mf, cf, dets), rtol=1e-9
    )
    np.testing.assert_allclose(
        kf.gating_distance(mc, cc, dets, only_position=True),
        kf.gating_distance(mf, cf, dets, only_position=True),
        rtol=1e-9,
    )
    np.testing.assert_allclose(kf.compact_covariance(cf), cc, rtol=1e-10, atol=1e-9)


def test_compact_covariance_refuses_mixed_coordinates():
    kf = build()
    _, cov = kf.initiate(np.array([[10.0, 20.0, 0.5, 40.0]]))
    cov[0, 0, 1] = cov[0, 1, 0] = 0.5  # x and y correlated, as after a camera rotation
    with pytest.raises(ValueError, match="mixes coordinates"):
        kf.compact_covariance(cov)
