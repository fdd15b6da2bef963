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

    Every method is vectorised: ``mean`` is ``(K, 8)`` and ``covariance``
    ``(K, 8, 8)`` for ``K`` tracks; single tracks (``(8,)``, ``(8, 8)``) work too.

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
        self._std_weight_position = std_weight_position
        self._std_weight_velocity = std_weight_velocity

    # -- noise models -------------------------------------------------------------------------
    def _std(self, state: np.ndarray, weight: float, aspect_std: float) -> np.ndarray:
        """``(K, 4)`` noise standard deviations for ``(K, >=4)`` states.

        ``'xyah'``: ``weight * (h, h, -, h)`` with ``aspect_std`` for the aspect
        ratio; ``'xywh'``: ``weight * (w, h, w, h)``.
        """
        h = state[:, 3:4]
        if self.box_format == "xywh":
            w = state[:, 2:3]
            return weight * np.concatenate([w, h, w, h], axis=1)
        return h * np.array([weight, weight, 0.0, weight]) + np.array([0.0, 0.0, aspect_std, 0.0])

    # -- API ----------------------------------------------------------------------------------
    def initiate(self, measurement: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Create tracks from unassociated measurements.

        Args:
            measurement: ``(4,)`` or ``(K, 4)`` boxes in the filter's format.

        Returns:
            ``mean`` ``(K, 8)`` (zero velocity) and ``covariance`` ``(K, 8, 8)``,
            squeezed to one track if a single ``(4,)`` measurement was given.
        """
        z = np.asarray(measurement, dtype=np.float64)
        single = z.ndim == 1
        z = np.atleast_2d(z)
        mean = np.concatenate([z, np.zeros_like(z)], axis=1)
        std_pos = self._std(z, 2 * self._std_weight_position, 1e-2)
        std_vel = self._std(z, 10 * self._std_weight_velocity, 1e-5)
        var = np.square(np.concatenate([std_pos, std_vel], axis=1))
        cov = var[:, :, None] * np.eye(8)[None]
        return (mean[0], cov[0]) if single else (mean, cov)

    def predict(self, mean: np.ndarray, covariance: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Run the prediction step for ``K`` tracks.

        Args:
            mean: ``(K, 8)`` or ``(8,)`` state means at the previous step.
            covariance: ``(K, 8, 8)`` or ``(8, 8)`` state covariances.

        Returns:
            The predicted ``mean`` and ``covariance`` with the input's shapes.
        """
        single = mean.ndim == 1
        mean, covariance = np.atleast_2d(mean), covariance.reshape(-1, 8, 8)
        std_pos = self._std(mean, self._std_weight_position, 1e-2)
        std_vel = self._std(mean, self._std_weight_velocity, 1e-5)
        motion_var = np.square(np.concatenate([std_pos, std_vel], axis=1))
        # F = [[I, I], [0, I]] (4x4 blocks, dt = 1): F P F^T by block sums, much cheaper
        # than batched 8x8 matrix products.
        new_mean = mean.copy()
        new_mean[:, :4] += mean[:, 4:]
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

    def project(
        self,
        mean: np.ndarray,
        covariance: np.ndarray,
        confidence: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Project states into measurement space.

        Args:
            mean: ``(K, 8)`` state means.
            covariance: ``(K, 8, 8)`` state covariances.
            confidence: ``(K,)`` detection scores for NSA scaling. Defaults to None.

        Returns:
            Projected mean ``(K, 4)`` and innovation covariance ``(K, 4, 4)``.
        """
        std = self._std(mean, self._std_weight_position, 1e-1)
        var = np.square(std)
        if self.use_nsa and confidence is not None:
            var = var * (1.0 - np.asarray(confidence, dtype=np.float64))[:, None]
        proj_mean = mean[:, :4]
        proj_cov = covariance[:, :4, :4].copy()
        idx = np.arange(4)
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
            covariance: ``(K, 8, 8)`` or ``(8, 8)`` predicted covariances.
            measurement: ``(K, 4)`` or ``(4,)`` boxes in the filter's format.
            confidence: ``(K,)`` detection scores, used when ``use_nsa``. Defaults to None.

        Returns:
            The corrected ``mean`` and ``covariance`` with the input's shapes.
        """
        single = mean.ndim == 1
        mean = np.atleast_2d(mean)
        covariance = covariance.reshape(-1, 8, 8)
        z = np.atleast_2d(np.asarray(measurement, dtype=np.float64))
        if confidence is not None:
            confidence = np.atleast_1d(confidence)
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
            covariance: ``(8, 8)`` or ``(K, 8, 8)`` state covariances.
            measurements: ``(M, 4)`` boxes in the filter's format.
            only_position: use only the centre ``(x, y)``. Defaults to False.

        Returns:
            ``(M,)`` distances for one track or ``(K, M)`` for ``K`` tracks.
        """
        single = mean.ndim == 1
        mean = np.atleast_2d(mean)
        covariance = covariance.reshape(-1, 8, 8)
        z = np.atleast_2d(np.asarray(measurements, dtype=np.float64))
        proj_mean, proj_cov = self.project(mean, covariance)
        if only_position:
            proj_mean, proj_cov, z = proj_mean[:, :2], proj_cov[:, :2, :2], z[:, :2]
        chol = np.linalg.cholesky(proj_cov)  # (K, d, d)
        d = z[None, :, :] - proj_mean[:, None, :]  # (K, M, d)
        # Solve L y = d^T for every track at once.
        y = np.linalg.solve(chol, np.transpose(d, (0, 2, 1)))  # (K, d, M)
        dist = np.sum(y * y, axis=1)
        return dist[0] if single else dist
