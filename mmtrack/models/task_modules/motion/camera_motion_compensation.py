"""Global camera motion between consecutive frames (ECC or sparse optical flow)."""

from __future__ import annotations

import cv2
import numpy as np

from mmtrack.registry import TASK_UTILS


@TASK_UTILS.register_module()
class CameraMotionCompensation:
    """Estimate a 2x3 warp from the previous frame to the current one and apply it.

    Two estimators (both through OpenCV):

    * ``'ecc'``: enhanced correlation coefficient maximisation
      (``cv2.findTransformECC``) on downscaled grey images, as MMTracking and
      StrongSORT do;
    * ``'sparse_flow'``: Shi-Tomasi corners tracked by pyramidal Lucas-Kanade
      and a RANSAC partial-affine fit (``cv2.estimateAffinePartial2D``), as
      BoT-SORT's default GMC.

    The warp maps previous-frame pixel coordinates to current-frame ones:
    ``p' = A p + t`` with ``warp = [A | t]``.

    Args:
        method: ``'ecc'`` or ``'sparse_flow'``. Defaults to ``'ecc'``.
        warp_mode: ECC motion model, ``cv2.MOTION_EUCLIDEAN`` or
            ``cv2.MOTION_AFFINE`` / ``cv2.MOTION_TRANSLATION``, or that name as
            a string (``'cv2.MOTION_EUCLIDEAN'``, as in MMTracking configs).
            Defaults to ``cv2.MOTION_EUCLIDEAN``.
        num_iters: ECC iterations. Defaults to 100.
        stop_eps: ECC convergence threshold. Defaults to 1e-5.
        downscale: images are shrunk by this factor before estimation; the
            translation is scaled back. Defaults to 2.
    """

    def __init__(
        self,
        method: str = "ecc",
        warp_mode: int | str = cv2.MOTION_EUCLIDEAN,
        num_iters: int = 100,
        stop_eps: float = 1e-5,
        downscale: int = 2,
    ) -> None:
        if method not in ("ecc", "sparse_flow"):
            raise ValueError(f"CameraMotionCompensation: unknown method {method!r}")
        self.method = method
        if isinstance(warp_mode, str):
            # MMTracking configs write the OpenCV constant as a string.
            name = warp_mode.split(".")[-1]
            if not name.startswith("MOTION_") or not hasattr(cv2, name):
                raise ValueError(f"CameraMotionCompensation: unknown warp_mode {warp_mode!r}")
            warp_mode = getattr(cv2, name)
        self.warp_mode = warp_mode
        self.num_iters = num_iters
        self.stop_eps = stop_eps
        self.downscale = max(1, int(downscale))

    def _gray(self, img: np.ndarray) -> np.ndarray:
        g = img if img.ndim == 2 else cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
        if self.downscale > 1:
            h, w = g.shape[:2]
            g = cv2.resize(g, (w // self.downscale, h // self.downscale))
        return g

    def get_warp_matrix(self, img: np.ndarray, ref_img: np.ndarray) -> np.ndarray:
        """Warp from ``ref_img`` (previous frame) to ``img`` (current frame).

        Args:
            img: current frame, ``(H, W, 3)`` BGR uint8 or ``(H, W)`` grey.
            ref_img: previous frame, same size.

        Returns:
            ``(2, 3)`` float64 warp; identity when estimation fails.
        """
        cur, prev = self._gray(img), self._gray(ref_img)
        warp = np.eye(2, 3, dtype=np.float32)
        if self.method == "ecc":
            criteria = (
                cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT,
                self.num_iters,
                self.stop_eps,
            )
            try:
                # findTransformECC(template, input) returns W with template(x) ~ input(W x):
                # with template = current and input = previous, W maps current -> previous.
                _, warp = cv2.findTransformECC(cur, prev, warp, self.warp_mode, criteria, None, 1)
            except cv2.error:
                return np.eye(2, 3)
            warp = cv2.invertAffineTransform(warp)
        else:
            pts = cv2.goodFeaturesToTrack(
                prev, maxCorners=1000, qualityLevel=0.01, minDistance=1, blockSize=3
            )
            if pts is None or len(pts) < 4:
                return np.eye(2, 3)
            nxt, status, _ = cv2.calcOpticalFlowPyrLK(prev, cur, pts, None)
            ok = status.reshape(-1) == 1
            if ok.sum() < 4:
                return np.eye(2, 3)
            warp, _ = cv2.estimateAffinePartial2D(pts[ok], nxt[ok], method=cv2.RANSAC)
            if warp is None:
                return np.eye(2, 3)
        warp = np.asarray(warp, dtype=np.float64)
        warp[:, 2] *= self.downscale
        return warp

    @staticmethod
    def warp_bboxes(bboxes: np.ndarray, warp: np.ndarray) -> np.ndarray:
        """Move x1y1x2y2 boxes ``(N, 4)`` by the warp (corners transformed, box re-fitted)."""
        if len(bboxes) == 0:
            return bboxes.copy()
        corners = np.stack(
            [bboxes[:, [0, 1]], bboxes[:, [2, 1]], bboxes[:, [0, 3]], bboxes[:, [2, 3]]], axis=1
        )  # (N, 4, 2)
        moved = corners @ warp[:, :2].T + warp[:, 2]
        return np.concatenate([moved.min(axis=1), moved.max(axis=1)], axis=1)

    @staticmethod
    def warp_states(
        mean: np.ndarray, covariance: np.ndarray, warp: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Apply the warp to Kalman states (BoT-SORT's GMC step).

        The 2x2 linear part ``A`` acts on each pair of the 8-D state
        (position, size, and their velocities); the translation moves the
        position only.

        Args:
            mean: ``(K, 8)`` states.
            covariance: ``(K, 8, 8)`` covariances.
            warp: ``(2, 3)`` warp.

        Returns:
            The warped ``mean`` and ``covariance``.
        """
        if len(mean) == 0:
            return mean, covariance
        big = np.kron(np.eye(4), warp[:, :2])
        new_mean = mean @ big.T
        new_mean[:, :2] += warp[:, 2]
        new_cov = big @ covariance @ big.T
        return new_mean, new_cov
