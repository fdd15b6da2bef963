"""Constant-velocity Kalman filter over box states, vectorised over tracks."""

from __future__ import annotations

import numpy as np

from mmtrack.registry import TASK_UTILS

# 0.95 quantile of the chi-square distribution with N degrees of freedom (N = 1..9),
# the gating thresholds of SORT/DeepSORT (Wojke et al., 2017).
CHI2INV95 = {
    1: 3.8415,
    2: 5.9915,
    3: 7.8147,
    4: 9.4877,
    5: 11.070,
    6: 12.592,
    7: 14.067,
    8: 15.507,
    9: 16.919,
}


@TASK_UTILS.register_module()
class KalmanFilter:
    """Kalman filter with an 8-D constant-velocity state.

    The state is ``(x, y, s, h, vx, vy, vs, vh)``, the measurement the first
    four entries. Two box parameterisations are supported:

    * ``'xyah'`` (SORT, DeepSORT, ByteTrack, OC-SORT): ``s`` is the aspect
      ratio ``w / h``; position/velocity noise scale with ``h`` and the aspect
      ratio gets fixed small noise.
    * ``'xywh'`` (BoT-SORT): ``s`` is the width ``w``; noise on ``x, w``
      scales with ``w`` and on ``y, h`` with ``h``.

    Every method is vectorised: ``mean`` is ``(K, 8)`` for ``K`` tracks and
    single tracks (``(8,)``) work too. Covariances come in two layouts:

    * full: ``(K, 8, 8)`` (or ``(8, 8)``), any symmetric positive definite matrix;
    * compact: ``(K, 3, 4)`` (or ``(3, 4)``), rows ``var(p_i)``, ``cov(p_i, v_i)``
      and ``var(v_i)`` for the four coordinates ``i``. The initial covariance,
      the process and the measurement noise are diagonal and each coordinate
      only moves with its own velocity, so the covariance stays a direct sum
      of four 2x2 blocks: the compact layout is exact and costs a handful of
      element-wise operations per step instead of batched matrix products.
      It holds until something mixes coordinates (camera-motion
      compensation): trackers with CMC keep the full layout.

    :meth:`initiate` returns the layout asked for; :meth:`predict`,
    :meth:`update`, :meth:`project` and :meth:`gating_distance` accept either
    (by the covariance's shape) and keep it.

    Args:
        center_only: gate with the centre position only (2 DoF). Defaults to False.
        box_format: ``'xyah'`` or ``'xywh'``. Defaults to ``'xyah'``.
        use_nsa: NSA Kalman (StrongSORT): scale the measurement noise by
            ``1 - confidence`` in :meth:`update`. Defaults to False.
        std_weight_position: position noise per unit of box size. Defaults to 1/20.
        std_weight_velocity: velocity noise per unit of box size. Defaults to 1/160.
    """

    def __init__(
        self,
        center_only: bool = False,
        box_format: str = "xyah",
        use_nsa: bool = False,
        std_weight_position: float = 1.0 / 20,
        std_weight_velocity: float = 1.0 / 160,
    ) -> None:
        if box_format not in ("xyah", "xywh"):
            raise ValueError(
                f"KalmanFilter: box_format must be 'xyah' or 'xywh', got {box_format!r}"
            )
        self.center_only = center_only
        self.box_format = box_format
        self.use_nsa = use_nsa
        self.gating_threshold = CHI2INV95[2] if center_only else CHI2INV95[4]
        ndim, dt = 4, 1.0
        self._motion_mat = np.eye(2 * ndim)
        for i in range(ndim):
            self._motion_mat[i, ndim + i] = dt
        self._update_mat = np.eye(ndim, 2 * ndim)
        self._size_idx = [3, 3, 3, 3] if box_format == "xyah" else [2, 3, 2, 3]
        self._compact_transition = np.array([[1.0, 2.0, 1.0], [0.0, 1.0, 1.0], [0.0, 0.0, 1.0]])
        self._weights = (std_weight_position, std_weight_velocity)
        self._refresh_noise()

    # The noise weights are properties so that changing them (e.g. in a subclass's
    # __init__, as MMTracking users do) refreshes the precomputed coefficients.
    @property
    def _std_weight_position(self) -> float:
        return self._weights[0]

    @_std_weight_position.setter
    def _std_weight_position(self, value: float) -> None:
        self._weights = (value, self._weights[1])
        self._refresh_noise()

    @property
    def _std_weight_velocity(self) -> float:
        return self._weights[1]

    @_std_weight_velocity.setter
    def _std_weight_velocity(self, value: float) -> None:
        self._weights = (self._weights[0], value)
        self._refresh_noise()

    def _refresh_noise(self) -> None:
        """Precompute the noise coefficients from the current weights.

        Noise variances are ``size ** 2 * a + b`` per coordinate: ``size`` is the
        box side the coordinate's noise scales with (h for xyah; w, h, w, h for
        xywh) and ``b`` the fixed variance of the aspect ratio (xyah only).
        """
        pos, vel = self._weights
        self._noise = {
            "init_pos": self._noise_coeffs(2 * pos, 1e-2),
            "init_vel": self._noise_coeffs(10 * vel, 1e-5),
            "pos": self._noise_coeffs(pos, 1e-2),
            "vel": self._noise_coeffs(vel, 1e-5),
            "meas": self._noise_coeffs(pos, 1e-1),
        }
        # Compact prediction: (pp, pv, vv) <- T @ (pp, pv, vv) + size ** 2 * A + B, with
        # T = F P F^T per coordinate block and A, B the process noise (rows pp and vv).
        (a_pos, b_pos), (a_vel, b_vel) = self._noise["pos"], self._noise["vel"]
        self._compact_noise_a = np.stack([a_pos, np.zeros(4), a_vel])
        self._compact_noise_b = np.stack([b_pos, np.zeros(4), b_vel])

    # -- noise models -------------------------------------------------------------------------
    def _noise_coeffs(self, weight: float, aspect_std: float) -> tuple[np.ndarray, np.ndarray]:
        """``(a, b)`` of the variances ``size ** 2 * a + b`` of the four coordinates."""
        if self.box_format == "xywh":
            return np.full(4, weight**2), np.zeros(4)
        return (
            np.array([weight**2, weight**2, 0.0, weight**2]),
            np.array([0.0, 0.0, aspect_std**2, 0.0]),
        )

    def _size_sq(self, state: np.ndarray) -> np.ndarray:
        """Squared box side each coordinate's noise scales with: ``(K, 1)`` h^2 (xyah)
        or ``(K, 4)`` (w, h, w, h)^2 (xywh), for ``(K, >=4)`` states."""
        size = state[:, 3:4] if self.box_format == "xyah" else state[:, self._size_idx]
        return size * size

    def _var(self, state: np.ndarray, kind: str) -> np.ndarray:
        """``(K, 4)`` noise variances of ``kind`` for ``(K, >=4)`` states.

        ``'xyah'``: ``(weight * h) ** 2`` for ``x, y, h`` and ``aspect_std ** 2``
        for the aspect ratio; ``'xywh'``: ``weight ** 2 * (w, h, w, h) ** 2``.
        """
        a, b = self._noise[kind]
        return self._size_sq(state) * a + b

    @staticmethod
    def is_compact(covariance: np.ndarray) -> bool:
        """Whether ``covariance`` is in the compact ``(..., 3, 4)`` layout."""
        return covariance.shape[-2:] == (3, 4)

    @staticmethod
    def full_covariance(compact: np.ndarray) -> np.ndarray:
        """Compact ``(K, 3, 4)`` covariances -> full ``(K, 8, 8)`` matrices."""
        compact = compact.reshape(-1, 3, 4)
        full = np.zeros((len(compact), 8, 8))
        i = np.arange(4)
        full[:, i, i] = compact[:, 0]
        full[:, i, i + 4] = compact[:, 1]
        full[:, i + 4, i] = compact[:, 1]
        full[:, i + 4, i + 4] = compact[:, 2]
        return full

    @staticmethod
    def compact_covariance(full: np.ndarray) -> np.ndarray:
        """Full ``(K, 8, 8)`` covariances made of four 2x2 coordinate blocks -> ``(K, 3, 4)``.

        Raises:
            ValueError: if some entry outside the blocks is not zero, beyond
                rounding (the compact layout cannot hold that covariance).
        """
        full = full.reshape(-1, 8, 8)
        i = np.arange(4)
        compact = np.stack([full[:, i, i], full[:, i, i + 4], full[:, i + 4, i + 4]], axis=1)
        scale = np.abs(full).max() if full.size else 0.0
        if not np.allclose(KalmanFilter.full_covariance(compact), full, rtol=0, atol=1e-9 * scale):
            raise ValueError(
                "KalmanFilter.compact_covariance: the covariance mixes coordinates "
                "(non-zero entries outside the (p_i, v_i) blocks); keep the full layout"
            )
        return compact

    # -- API ----------------------------------------------------------------------------------
    def initiate(
        self, measurement: np.ndarray, compact: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """Create tracks from unassociated measurements.

        Args:
            measurement: ``(4,)`` or ``(K, 4)`` boxes in the filter's format.
            compact: return covariances in the compact ``(K, 3, 4)`` layout.
                Defaults to False (full ``(K, 8, 8)``).

        Returns:
            ``mean`` ``(K, 8)`` (zero velocity) and ``covariance`` (diagonal),
            squeezed to one track if a single ``(4,)`` measurement was given.
        """
        z = np.asarray(measurement, dtype=np.float64)
        single = z.ndim == 1
        z = np.atleast_2d(z)
        mean = np.concatenate([z, np.zeros_like(z)], axis=1)
        cov = np.zeros((len(z), 3, 4))
        cov[:, 0] = self._var(z, "init_pos")
        cov[:, 2] = self._var(z, "init_vel")
        if not compact:
            cov = self.full_covariance(cov)
        return (mean[0], cov[0]) if single else (mean, cov)

    def predict(self, mean: np.ndarray, covariance: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Run the prediction step for ``K`` tracks.

        Args:
            mean: ``(K, 8)`` or ``(8,)`` state means at the previous step.
            covariance: state covariances, full or compact (see the class).

        Returns:
            The predicted ``mean`` and ``covariance`` with the input's shapes.
        """
        single = mean.ndim == 1
        if single:
            mean = mean[None]
        new_mean = mean.copy()
        new_mean[:, :4] += mean[:, 4:]
        if covariance.shape[-2:] == (3, 4):  # compact layout
            new_cov = np.matmul(self._compact_transition, covariance.reshape(-1, 3, 4))
            new_cov += self._size_sq(mean)[:, None] * self._compact_noise_a
            new_cov += self._compact_noise_b
            return (new_mean[0], new_cov[0]) if single else (new_mean, new_cov)
        covariance = covariance.reshape(-1, 8, 8)
        motion_var = np.concatenate([self._var(mean, "pos"), self._var(mean, "vel")], axis=1)
        # F = [[I, I], [0, I]] (4x4 blocks, dt = 1): F P F^T by block sums, much cheaper
        # than batched 8x8 matrix products.
        p11, p12 = covariance[:, :4, :4], covariance[:, :4, 4:]
        p21, p22 = covariance[:, 4:, :4], covariance[:, 4:, 4:]
        new_cov = np.empty_like(covariance)
        new_cov[:, :4, :4] = p11 + p12 + p21 + p22
        new_cov[:, :4, 4:] = p12 + p22
        new_cov[:, 4:, :4] = p21 + p22
        new_cov[:, 4:, 4:] = p22
        idx = np.arange(8)
        new_cov[:, idx, idx] += motion_var
        return (new_mean[0], new_cov[0]) if single else (new_mean, new_cov)

    def _measurement_var(self, mean: np.ndarray, confidence: np.ndarray | None) -> np.ndarray:
        """``(K, 4)`` measurement noise variances (NSA-scaled when enabled)."""
        var = self._var(mean, "meas")
        if self.use_nsa and confidence is not None:
            var = var * (1.0 - np.asarray(confidence, dtype=np.float64))[:, None]
        return var

    def project(
        self,
        mean: np.ndarray,
        covariance: np.ndarray,
        confidence: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Project states into measurement space.

        Args:
            mean: ``(K, 8)`` state means.
            covariance: ``(K, 8, 8)`` or compact ``(K, 3, 4)`` state covariances.
            confidence: ``(K,)`` detection scores for NSA scaling. Defaults to None.

        Returns:
            Projected mean ``(K, 4)`` and innovation covariance ``(K, 4, 4)``.
        """
        var = self._measurement_var(mean, confidence)
        proj_mean = mean[:, :4]
        idx = np.arange(4)
        if self.is_compact(covariance):
            proj_cov = np.zeros((len(mean), 4, 4))
            proj_cov[:, idx, idx] = covariance[:, 0] + var
            return proj_mean, proj_cov
        proj_cov = covariance[:, :4, :4].copy()
        proj_cov[:, idx, idx] += var
        return proj_mean, proj_cov

    def update(
        self,
        mean: np.ndarray,
        covariance: np.ndarray,
        measurement: np.ndarray,
        confidence: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Run the correction step for ``K`` tracks and their matched measurements.

        Args:
            mean: ``(K, 8)`` or ``(8,)`` predicted means.
            covariance: predicted covariances, full or compact (see the class).
            measurement: ``(K, 4)`` or ``(4,)`` boxes in the filter's format.
            confidence: ``(K,)`` detection scores, used when ``use_nsa``. Defaults to None.

        Returns:
            The corrected ``mean`` and ``covariance`` with the input's shapes.
        """
        single = mean.ndim == 1
        if single:
            mean = mean[None]
        z = np.asarray(measurement, dtype=np.float64).reshape(-1, 4)
        if confidence is not None:
            confidence = np.atleast_1d(confidence)
        if covariance.shape[-2:] == (3, 4):  # compact layout
            cov = covariance.reshape(-1, 3, 4)
            s = cov[:, 0] + self._measurement_var(mean, confidence)  # innovation variance
            gain = cov[:, :2] / s[:, None]  # (K, 2, 4): gains of p_i and v_i
            innovation = z - mean[:, :4]
            new_mean = mean + (gain * innovation[:, None]).reshape(-1, 8)
            # P - K H P per coordinate block: (pp, pv, vv) -= (k_p pp, k_p pv, k_v pv).
            new_cov = cov.copy()
            new_cov[:, :2] -= gain[:, :1] * cov[:, :2]
            new_cov[:, 2] -= gain[:, 1] * cov[:, 1]
            return (new_mean[0], new_cov[0]) if single else (new_mean, new_cov)
        covariance = covariance.reshape(-1, 8, 8)
        proj_mean, proj_cov = self.project(mean, covariance, confidence)
        # Kalman gain K = P H^T S^-1, solved as S K^T = H P (S symmetric positive definite).
        pht = covariance[:, :, :4]  # P H^T, (K, 8, 4)
        gain = np.linalg.solve(proj_cov, np.transpose(pht, (0, 2, 1)))  # (K, 4, 8) = K^T
        gain = np.transpose(gain, (0, 2, 1))
        innovation = z - proj_mean
        new_mean = mean + np.einsum("kij,kj->ki", gain, innovation)
        new_cov = covariance - gain @ proj_cov @ np.transpose(gain, (0, 2, 1))
        return (new_mean[0], new_cov[0]) if single else (new_mean, new_cov)

    def gating_distance(
        self,
        mean: np.ndarray,
        covariance: np.ndarray,
        measurements: np.ndarray,
        only_position: bool = False,
    ) -> np.ndarray:
        """Squared Mahalanobis distance between states and measurements.

        Args:
            mean: ``(8,)`` or ``(K, 8)`` state means.
            covariance: full or compact state covariances (see the class).
            measurements: ``(M, 4)`` boxes in the filter's format.
            only_position: use only the centre ``(x, y)``. Defaults to False.

        Returns:
            ``(M,)`` distances for one track or ``(K, M)`` for ``K`` tracks.
        """
        single = mean.ndim == 1
        mean = np.atleast_2d(mean)
        z = np.atleast_2d(np.asarray(measurements, dtype=np.float64))
        if self.is_compact(covariance):
            cov = covariance.reshape(-1, 3, 4)
            var = cov[:, 0] + self._measurement_var(mean, None)  # diagonal S, (K, 4)
            d = z[None, :, :] - mean[:, None, :4]  # (K, M, 4)
            if only_position:
                d, var = d[..., :2], var[:, :2]
            dist = np.sum(d * d / var[:, None, :], axis=2)
            return dist[0] if single else dist
        covariance = covariance.reshape(-1, 8, 8)
        proj_mean, proj_cov = self.project(mean, covariance)
        if only_position:
            proj_mean, proj_cov, z = proj_mean[:, :2], proj_cov[:, :2, :2], z[:, :2]
        chol = np.linalg.cholesky(proj_cov)  # (K, d, d)
        d = z[None, :, :] - proj_mean[:, None, :]  # (K, M, d)
        # Solve L y = d^T for every track at once.
        y = np.linalg.solve(chol, np.transpose(d, (0, 2, 1)))  # (K, d, M)
        dist = np.sum(y * y, axis=1)
        return dist[0] if single else dist
