"""CameraMotionCompensation on a shifted image pair and its warps by hand."""

import cv2
import numpy as np
import pytest

from mmtrack.registry import TASK_UTILS
from mmtrack.utils import register_all_modules

register_all_modules()


@pytest.fixture(scope="module")
def image_pair():
    rng = np.random.default_rng(0)
    base = (rng.random((300, 400)) * 255).astype(np.uint8)
    base = cv2.GaussianBlur(base, (0, 0), 6)
    base = cv2.normalize(base, None, 0, 255, cv2.NORM_MINMAX)
    shift = np.float32([[1, 0, 6], [0, 1, -4]])  # camera pans: content moves +6 x, -4 y
    cur = cv2.warpAffine(base, shift, (400, 300))
    return cv2.cvtColor(cur, cv2.COLOR_GRAY2BGR), cv2.cvtColor(base, cv2.COLOR_GRAY2BGR)


@pytest.mark.parametrize("method", ["ecc", "sparse_flow"])
def test_recovers_translation(image_pair, method):
    cur, prev = image_pair
    cmc = TASK_UTILS.build(dict(type="CameraMotionCompensation", method=method))
    warp = cmc.get_warp_matrix(cur, prev)
    np.testing.assert_allclose(warp[:, :2], np.eye(2), atol=0.01)
    np.testing.assert_allclose(warp[:, 2], [6, -4], atol=0.3)


def test_warp_bboxes_and_states_by_hand():
    cmc = TASK_UTILS.build(dict(type="CameraMotionCompensation"))
    warp = np.array([[0.0, -1.0, 10.0], [1.0, 0.0, 5.0]])  # 90 degree rotation + shift
    boxes = np.array([[0.0, 0.0, 4.0, 2.0]])
    # corners (0,0),(4,0),(0,2),(4,2) -> (10,5),(10,9),(8,5),(8,9)
    np.testing.assert_allclose(cmc.warp_bboxes(boxes, warp), [[8, 5, 10, 9]])
    mean = np.array([[1.0, 2.0, 3.0, 4.0, 0.5, 0.0, 0.0, 0.0]])
    cov = np.eye(8)[None]
    m, c = cmc.warp_states(mean, cov, warp)
    # position (1,2) -> (-2+10, 1+5); size (3,4) -> (-4, 3); velocity (0.5,0) -> (0, 0.5)
    np.testing.assert_allclose(m, [[8, 6, -4, 3, 0, 0.5, 0, 0]])
    np.testing.assert_allclose(c[0], np.eye(8), atol=1e-12)  # rotation keeps identity


def test_unknown_method():
    with pytest.raises(ValueError, match="unknown method"):
        TASK_UTILS.build(dict(type="CameraMotionCompensation", method="orb"))


def test_warp_mode_as_mmtracking_string():
    cmc = TASK_UTILS.build(
        dict(type="CameraMotionCompensation", warp_mode="cv2.MOTION_TRANSLATION")
    )
    assert cmc.warp_mode == cv2.MOTION_TRANSLATION
    with pytest.raises(ValueError, match="unknown warp_mode"):
        TASK_UTILS.build(dict(type="CameraMotionCompensation", warp_mode="cv2.INTER_LINEAR"))
