"""Reference-frame sampling for video training and testing (pure functions)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Optional, Sequence, Union

REF_SAMPLING_METHODS = (
    "uniform",
    "bilateral_uniform",
    "test_with_adaptive_stride",
    "test_with_fix_stride",
)


def normalize_frame_range(frame_range: Union[int, Sequence[int]]) -> list[int]:
    """Turn ``frame_range`` into ``[left, right]`` with ``left <= 0 <= right``.

    Args:
        frame_range: an int ``r`` (meaning ``[-r, r]``) or a pair ``[left, right]``.

    Returns:
        list[int]: ``[left, right]``.

    Raises:
        ValueError: negative int, wrong length, or a range that excludes 0.
        TypeError: anything but an int or a pair of ints.
    """
    if isinstance(frame_range, bool):
        raise TypeError(
            f"ref_img_sampler field 'frame_range' must be int or [l, r], got {frame_range!r}"
        )
    if isinstance(frame_range, int):
        if frame_range < 0:
            raise ValueError(
                f"ref_img_sampler field 'frame_range' can not be negative, got {frame_range}"
            )
        return [-frame_range, frame_range]
    if isinstance(frame_range, (list, tuple)):
        if len(frame_range) != 2 or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in frame_range
        ):
            raise ValueError(
                f"ref_img_sampler field 'frame_range' must be two ints [left, right], "
                f"got {frame_range!r}"
            )
        left, right = frame_range
        if left > 0 or right < 0:
            raise ValueError(
                f"ref_img_sampler field 'frame_range' must satisfy left <= 0 <= right, "
                f"got {list(frame_range)}"
            )
        return [left, right]
    raise TypeError(
        "ref_img_sampler field 'frame_range' must be int or [l, r], "
        f"got {type(frame_range).__name__}"
    )


@dataclass(frozen=True)
class RefImgSamplerCfg:
    """Validated reference-frame sampling settings (see :func:`sample_ref_frames`)."""

    frame_range: tuple = (-10, 10)
    stride: int = 1
    num_ref_imgs: int = 1
    filter_key_img: bool = True
    method: str = "uniform"
    return_key_img: bool = True

    @classmethod
    def from_dict(cls, cfg: dict) -> RefImgSamplerCfg:
        """Build from a config dict, checking every field."""
        known = {
            "frame_range",
            "stride",
            "num_ref_imgs",
            "filter_key_img",
            "method",
            "return_key_img",
        }
        unknown = set(cfg) - known
        if unknown:
            raise ValueError(
                f"ref_img_sampler has unknown field(s) {sorted(unknown)}; known: {sorted(known)}"
            )
        frame_range = normalize_frame_range(cfg.get("frame_range", 10))
        method = cfg.get("method", "uniform")
        if method not in REF_SAMPLING_METHODS:
            raise ValueError(
                f"ref_img_sampler field 'method' must be one of {REF_SAMPLING_METHODS}, "
                f"got {method!r}"
            )
        stride = cfg.get("stride", 1)
        if not isinstance(stride, int) or stride < 1:
            raise ValueError(f"ref_img_sampler field 'stride' must be an int >= 1, got {stride!r}")
        num_ref_imgs = cfg.get("num_ref_imgs", 1)
        if not isinstance(num_ref_imgs, int) or num_ref_imgs < 0:
            raise ValueError(
                f"ref_img_sampler field 'num_ref_imgs' must be an int >= 0, got {num_ref_imgs!r}"
            )
        if method.startswith("test"):
            # As MMTracking: test methods take one reference per offset of the range.
            num_ref_imgs = frame_range[1] - frame_range[0]
        if method == "bilateral_uniform" and num_ref_imgs % 2 != 0:
            raise ValueError(
                "ref_img_sampler field 'num_ref_imgs' must be even for method "
                f"'bilateral_uniform', got {num_ref_imgs}"
            )
        return cls(
            frame_range=tuple(frame_range),
            stride=stride,
            num_ref_imgs=num_ref_imgs,
            filter_key_img=bool(cfg.get("filter_key_img", True)),
            method=method,
            return_key_img=bool(cfg.get("return_key_img", True)),
        )


def _sample_exactly(
    candidates: list[int], num: int, fallback: int, rng: random.Random
) -> list[int]:
    """Sample ``num`` items from ``candidates`` without replacement when there
    are enough, else from ``candidates`` repeated; ``fallback`` stands in when
    there is no candidate at all."""
    if num == 0:
        return []
    if not candidates:
        return [fallback] * num
    if len(candidates) < num:
        candidates = candidates * num
    return rng.sample(candidates, num)


def sample_ref_frames(
    key_ind: int,
    video_length: int,
    cfg: RefImgSamplerCfg,
    is_video: bool = True,
    rng: Optional[random.Random] = None,
) -> tuple[list[int], dict]:
    """Choose reference frames of a key frame inside one video.

    Frames are addressed by their 0-based position in the video (equal to
    ``frame_id`` for CocoVID files written by the converters).

    Methods (``cfg.method``), with ``[l, r] = cfg.frame_range`` clipped to the
    video, i.e. candidates ``max(0, k + l) .. min(k + r, n - 1)``:

    * ``uniform``: ``num_ref_imgs`` frames drawn at random among the
      candidates (minus the key frame if ``filter_key_img``).
    * ``bilateral_uniform``: ``num_ref_imgs / 2`` frames drawn from
      ``max(0, k + l) .. k`` and as many from ``k .. min(k + r, n - 1)``
      (the key frame excluded if ``filter_key_img``).
    * ``test_with_adaptive_stride``: only at ``k == 0``: ``num_ref_imgs``
      frames ``round(i * (n - 1) / (num_ref_imgs - 1))``, i.e. spread evenly
      over the whole video; no reference otherwise.
    * ``test_with_fix_stride``: at ``k == 0``: ``|l| + 1`` copies of frame 0
      then frames ``min(round(i * stride), n - 1)`` for ``i = 1..r``; at a
      later ``k`` with ``k % stride == 0``: the single frame
      ``min(round(k + r * stride), n - 1)``; else none. Adds
      ``num_left_ref_imgs = |l|`` and ``frame_stride = stride`` to the meta.

    Training methods always return exactly ``num_ref_imgs`` frames (so clips in
    a batch have equal length): when there are fewer candidates than needed
    they are drawn again, and when a side has none the key frame stands in.
    A still image (``is_video=False``) or ``frame_range == [0, 0]`` returns
    ``num_ref_imgs`` copies of the key frame.

    Args:
        key_ind: position of the key frame in the video.
        video_length: number of frames ``n`` of the video.
        cfg: sampling settings.
        is_video: whether the data is a real video. Defaults to True.
        rng: random generator. Defaults to the ``random`` module's state.

    Returns:
        tuple[list[int], dict]: positions of the reference frames, sorted, and
        extra per-clip meta information (``num_left_ref_imgs``,
        ``frame_stride`` for ``test_with_fix_stride``).

    Examples:
        >>> cfg = RefImgSamplerCfg.from_dict(
        ...     dict(frame_range=[-2, 2], method='test_with_fix_stride'))
        >>> sample_ref_frames(0, 10, cfg)
        ([0, 0, 0, 1, 2], {'num_left_ref_imgs': 2, 'frame_stride': 1})
    """
    rng = rng if rng is not None else random  # type: ignore[assignment]
    if not 0 <= key_ind < video_length:
        raise IndexError(f"key frame {key_ind} outside a video of {video_length} frames")
    left_off, right_off = cfg.frame_range
    n = video_length
    extra: dict = {}
    if not is_video or (left_off == 0 and right_off == 0):
        return [key_ind] * cfg.num_ref_imgs, extra

    left = max(0, key_ind + left_off)
    right = min(key_ind + right_off, n - 1)
    refs: list[int] = []
    if cfg.method == "uniform":
        cands = [i for i in range(left, right + 1) if not (cfg.filter_key_img and i == key_ind)]
        refs = _sample_exactly(cands, cfg.num_ref_imgs, key_ind, rng)  # type: ignore[arg-type]
    elif cfg.method == "bilateral_uniform":
        half = cfg.num_ref_imgs // 2
        for lo, hi in ((left, key_ind), (key_ind, right)):
            cands = [i for i in range(lo, hi + 1) if not (cfg.filter_key_img and i == key_ind)]
            refs.extend(_sample_exactly(cands, half, key_ind, rng))  # type: ignore[arg-type]
    elif cfg.method == "test_with_adaptive_stride":
        if key_ind == 0:
            num = cfg.num_ref_imgs
            if num == 1:
                refs = [0]
            elif num > 1:
                step = float(n - 1) / (num - 1)
                refs = [min(round(i * step), n - 1) for i in range(num)]
    elif cfg.method == "test_with_fix_stride":
        if key_ind == 0:
            refs = [0] * (abs(left_off) + 1)
            refs += [min(round(i * cfg.stride), n - 1) for i in range(1, right_off + 1)]
        elif key_ind % cfg.stride == 0:
            refs = [min(round(key_ind + right_off * cfg.stride), n - 1)]
        extra = dict(num_left_ref_imgs=abs(left_off), frame_stride=cfg.stride)
    return sorted(refs), extra
