"""Tracklet post-processing before MOT evaluation.

* Linear interpolation of short gaps (ByteTrack, as MMTracking 0.14's
  ``interpolate_tracks``).
* Gaussian-smoothed interpolation, GSI (StrongSORT): Gaussian-process
  regression of each coordinate over time with a fixed RBF kernel. sklearn's
  ``GaussianProcessRegressor(RBF(l, 'fixed'))`` (noise ``alpha=1e-10``, no
  target normalisation) reduces to the closed form
  ``mean = K(t, t) (K(t, t) + 1e-10 I)^-1 y``, computed here with a Cholesky
  factorisation exactly as sklearn does, without sklearn.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import cho_solve, cholesky
from scipy.spatial.distance import cdist

#: Noise added to the kernel diagonal by sklearn's GaussianProcessRegressor.
GPR_ALPHA = 1e-10


def _interpolate_track(track: np.ndarray, max_num_frames: int) -> np.ndarray:
    """Fill the gaps of one track linearly.

    Args:
        track (np.ndarray): ``(N, 7)`` rows ``(frame, id, x1, y1, x2, y2,
            score)`` of one id, sorted by frame.
        max_num_frames (int): Gaps of ``gap`` frames (difference of frame
            numbers) are filled when ``1 < gap < max_num_frames``.

    Returns:
        np.ndarray: The input rows followed by the new rows (score 1.0).
    """
    frames = track[:, 0]
    new_rows = []
    for i in np.where(np.diff(frames) > 1)[0]:
        left, right = frames[i], frames[i + 1]
        gap = int(right - left)
        if 1 < gap < max_num_frames:
            left_box, right_box = track[i, 2:6], track[i + 1, 2:6]
            for j in range(1, gap):
                row = np.ones(7)
                row[0] = left + j
                row[1] = track[0, 1]
                row[2:6] = j / gap * (right_box - left_box) + left_box
                new_rows.append(row)
    if not new_rows:
        return track
    return np.concatenate([track, np.stack(new_rows)], axis=0)


def gp_smooth(t: np.ndarray, y: np.ndarray, length_scale: float) -> np.ndarray:
    """Posterior mean of a noise-free GP with an RBF kernel, at the inputs.

    Args:
        t (np.ndarray): ``(N,)`` inputs (frame numbers).
        y (np.ndarray): ``(N, D)`` targets.
        length_scale (float): RBF length scale ``l`` in
            ``k(a, b) = exp(-(a - b)^2 / (2 l^2))``.

    Returns:
        np.ndarray: ``(N, D)`` smoothed targets
        ``K (K + 1e-10 I)^-1 y``.
    """
    x = np.asarray(t, dtype=np.float64).reshape(-1, 1) / length_scale
    kernel = np.exp(-0.5 * cdist(x, x, metric="sqeuclidean"))
    np.fill_diagonal(kernel, 1.0)
    noisy = kernel.copy()
    noisy[np.diag_indices_from(noisy)] += GPR_ALPHA
    factor = cholesky(noisy, lower=True, check_finite=False)
    weights = cho_solve((factor, True), np.asarray(y, dtype=np.float64), check_finite=False)
    return kernel @ weights


def gaussian_smoothed_interpolation(track: np.ndarray, smooth_tau: float = 10) -> np.ndarray:
    """Gaussian-smoothed interpolation (GSI) of one track.

    The length scale is ``clip(tau * log(tau^3 / N), 1 / tau, tau^2)`` for a
    track of ``N`` rows, as in StrongSORT.

    Args:
        track (np.ndarray): ``(N, 7)`` rows ``(frame, id, x1, y1, x2, y2,
            score)`` of one id.
        smooth_tau (float): The smoothing parameter tau.

    Returns:
        np.ndarray: ``(N, 7)``: same frames, ids and scores, smoothed boxes.
    """
    tau = float(smooth_tau)
    length_scale = np.clip(tau * np.log(tau**3 / len(track)), tau**-1, tau**2)
    out = track.copy()
    out[:, 2:6] = gp_smooth(track[:, 0], track[:, 2:6], float(length_scale))
    return out


def interpolate_tracks(
    tracks: np.ndarray,
    min_num_frames: int = 5,
    max_num_frames: int = 20,
    use_gsi: bool = False,
    smooth_tau: float = 10,
) -> np.ndarray:
    """Post-process the tracks of one video.

    Steps, per track id (MMTracking's order):

    1. tracks with 2 rows or fewer are dropped;
    2. tracks with more than ``min_num_frames`` rows get their gaps of fewer
       than ``max_num_frames`` frames filled linearly (new rows score 1.0);
    3. with ``use_gsi``, every kept track is smoothed by
       :func:`gaussian_smoothed_interpolation`.

    Args:
        tracks (np.ndarray): ``(N, 7)`` rows ``(frame, id, x1, y1, x2, y2,
            score)``, x1y1x2y2 pixel boxes.
        min_num_frames (int): Minimum length (exclusive) of an interpolated
            track.
        max_num_frames (int): Maximum gap (exclusive) that is filled.
        use_gsi (bool): Apply GSI after the linear interpolation.
        smooth_tau (float): tau of GSI.

    Returns:
        np.ndarray: ``(M, 7)`` rows sorted by frame then id.
    """
    tracks = np.asarray(tracks, dtype=np.float64).reshape(-1, 7)
    out = []
    for track_id in np.unique(tracks[:, 1]):
        track = tracks[tracks[:, 1] == track_id]
        track = track[np.argsort(track[:, 0], kind="stable")]
        if len(track) <= 2:
            continue
        if len(track) > min_num_frames:
            track = _interpolate_track(track, max_num_frames)
        if use_gsi:
            track = gaussian_smoothed_interpolation(track, smooth_tau)
        out.append(track)
    if not out:
        return np.zeros((0, 7))
    result = np.concatenate(out, axis=0)
    return result[np.lexsort((result[:, 1], result[:, 0]))]
