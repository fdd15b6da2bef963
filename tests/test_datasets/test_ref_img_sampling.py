import random

import pytest

from mmtrack.datasets.ref_img_sampling import (
    RefImgSamplerCfg,
    normalize_frame_range,
    sample_ref_frames,
)


def cfg(**kw):
    return RefImgSamplerCfg.from_dict(kw)


def sample(key, n, seed=0, is_video=True, **kw):
    return sample_ref_frames(key, n, cfg(**kw), is_video=is_video, rng=random.Random(seed))


def test_normalize_frame_range():
    assert normalize_frame_range(3) == [-3, 3]
    assert normalize_frame_range([-2, 5]) == [-2, 5]
    for bad in (-1, [1, 2], [-2, -1], [0], [0.5, 1]):
        with pytest.raises(ValueError):
            normalize_frame_range(bad)
    with pytest.raises(TypeError):
        normalize_frame_range("3")


@pytest.mark.parametrize("seed", range(5))
def test_uniform_edges_are_clipped(seed):
    # key 0 of 10 frames, range 2, key excluded: candidates {1, 2}, both drawn.
    assert sample(0, 10, seed, frame_range=2, num_ref_imgs=2) == ([1, 2], {})
    # last frame: candidates {7, 8}
    assert sample(9, 10, seed, frame_range=2, num_ref_imgs=2) == ([7, 8], {})
    # [-1, 0] around 5 without the key: only frame 4
    assert sample(5, 10, seed, frame_range=[-1, 0], num_ref_imgs=1) == ([4], {})
    # with the key allowed: candidates {4, 5}
    refs, _ = sample(5, 10, seed, frame_range=[-1, 0], filter_key_img=False, num_ref_imgs=1)
    assert refs in ([4], [5])
    # one candidate, three wanted: it is repeated
    assert sample(5, 10, seed, frame_range=[-1, 0], num_ref_imgs=3) == ([4, 4, 4], {})
    # a one-frame video: the key frame stands in
    assert sample(0, 1, seed, frame_range=5, num_ref_imgs=2) == ([0, 0], {})


def test_uniform_covers_the_range():
    seen = set()
    for seed in range(60):
        refs, _ = sample(5, 10, seed, frame_range=2, num_ref_imgs=1)
        seen.update(refs)
    assert seen == {3, 4, 6, 7}


@pytest.mark.parametrize("seed", range(5))
def test_bilateral_uniform(seed):
    # one reference on each side of 5 within 1 frame: exactly 4 and 6
    assert sample(5, 10, seed, frame_range=1, num_ref_imgs=2, method="bilateral_uniform") == (
        [4, 6],
        {},
    )
    # first frame: no left candidate -> the key frame; right side in 1..3
    refs, _ = sample(0, 10, seed, frame_range=3, num_ref_imgs=2, method="bilateral_uniform")
    assert refs[0] == 0 and refs[1] in (1, 2, 3)
    # last frame: left 8, right side empty -> the key frame
    assert sample(9, 10, seed, frame_range=1, num_ref_imgs=2, method="bilateral_uniform") == (
        [8, 9],
        {},
    )
    # asymmetric range [-2, 1] at 5 with 4 references: left {3, 4}, right {6} repeated
    refs, _ = sample(5, 10, seed, frame_range=[-2, 1], num_ref_imgs=4, method="bilateral_uniform")
    assert refs == [3, 4, 6, 6]


def test_bilateral_needs_even_number():
    with pytest.raises(ValueError, match="even"):
        cfg(frame_range=2, num_ref_imgs=3, method="bilateral_uniform")


def test_adaptive_stride():
    # n=10, [-2, 2] -> 4 references at round(i * 9 / 3) = 0, 3, 6, 9
    kw = dict(frame_range=[-2, 2], method="test_with_adaptive_stride")
    assert sample(0, 10, **kw) == ([0, 3, 6, 9], {})
    # n=5 -> step 4/3: round(0), round(1.33), round(2.67), round(4) = 0, 1, 3, 4
    assert sample(0, 5, **kw) == ([0, 1, 3, 4], {})
    # later frames take no reference
    assert sample(4, 10, **kw) == ([], {})


def test_fix_stride():
    kw = dict(frame_range=[-2, 2], stride=3, method="test_with_fix_stride")
    meta = {"num_left_ref_imgs": 2, "frame_stride": 3}
    # frame 0: |l| + 1 = 3 copies of frame 0, then frames 3 and 6
    assert sample(0, 10, **kw) == ([0, 0, 0, 3, 6], meta)
    # frame 3 (3 % 3 == 0): 3 + 2 * 3 = 9
    assert sample(3, 10, **kw) == ([9], meta)
    # frame 6: 6 + 6 = 12 clipped to the last frame 9
    assert sample(6, 10, **kw) == ([9], meta)
    # frame 4: no reference
    assert sample(4, 10, **kw) == ([], meta)
    # short video: frame 0 refs clipped to the last frame
    assert sample(0, 4, **kw) == ([0, 0, 0, 3, 3], meta)


def test_test_methods_use_range_width():
    c = cfg(frame_range=[-15, 15], num_ref_imgs=7, method="test_with_fix_stride")
    assert c.num_ref_imgs == 30


def test_still_images_and_zero_range_copy_the_key():
    assert sample(3, 10, is_video=False, frame_range=5, num_ref_imgs=2) == ([3, 3], {})
    assert sample(3, 10, frame_range=0, num_ref_imgs=2, filter_key_img=False) == ([3, 3], {})


def test_bad_config():
    with pytest.raises(ValueError, match="method"):
        cfg(method="random")
    with pytest.raises(ValueError, match="stride"):
        cfg(stride=0)
    with pytest.raises(ValueError, match="unknown"):
        cfg(frame_ranges=3)
    with pytest.raises(IndexError):
        sample(10, 10, frame_range=1)
