"""VOT reset-based evaluation: EAO, accuracy and robustness.

As MMTracking 0.14 (``mmtrack/core/evaluation/eval_sot_vot.py``, itself from
the VOT toolkit's ``supervised.py``). A predicted trajectory holds, per
frame, either a box (x1y1x2y2) or a special state: ``[1]`` initialisation,
``[2]`` failure, ``[0]`` unknown (frames skipped after a failure). The first
frame must be ``[1]``. Overlaps are the VOT toolkit's rasterised ones
(:mod:`.vot_region`), clipped to the image.

* Accuracy: per video, the mean overlap over the frames that are not
  unknown, not failures and not within ``burnin`` frames of an
  initialisation (the init frame included); 0 when no frame is left. Videos
  are weighted by their number of frames.
* Robustness: number of failures / total number of frames x 100.
* EAO: each video is cut into fragments from an initialisation up to (not
  including) the next failure; a fragment that ends with a failure is padded
  with zero overlaps to the longest fragment, one that reaches the end of the
  video only counts its own frames. ``curve[N]`` = mean over fragments of
  the average overlap of frames ``1..N`` (frame 0 being the init frame), and
  EAO = mean of ``curve`` over ``interval`` (both ends included), e.g.
  [100, 356] for VOT2018. Computed in float32 as the reference.
"""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from .vot_region import (
    SPECIAL_FAILURE,
    SPECIAL_INIT,
    SPECIAL_UNKNOWN,
    calculate_region_overlaps,
    region_kind,
)

#: EAO intervals of the VOT challenges.
VOT_INTERVALS = dict(vot2018=(100, 356), vot2019=(46, 291), vot2020=(115, 755), vot2021=(115, 755))


def _state(region: np.ndarray) -> Optional[int]:
    """The special state code of a region, or None for a box/polygon."""
    region = np.asarray(region).ravel()
    if region_kind(region) != "special":
        return None
    return int(region[0])


def _check_trajectory(pred_traj: Sequence[np.ndarray], gt_traj: Sequence, video: int) -> None:
    if len(pred_traj) != len(gt_traj):
        raise ValueError(
            f"video {video}: {len(pred_traj)} predicted frames but {len(gt_traj)} gt frames"
        )
    if len(pred_traj) == 0 or _state(pred_traj[0]) != SPECIAL_INIT:
        raise ValueError(
            f"video {video}: the first predicted frame must be the initialisation state [1]"
        )


def locate_failures_inits(trajectory: Sequence[np.ndarray]) -> tuple[list[int], list[int]]:
    """Indices of the failure frames and of the initialisation frames.

    Args:
        trajectory (Sequence[np.ndarray]): Predicted regions.

    Returns:
        tuple[list[int], list[int]]: ``(fail_inds, init_inds)``.
    """
    fails, inits = [], []
    for i, region in enumerate(trajectory):
        state = _state(region)
        if state == SPECIAL_INIT:
            inits.append(i)
        elif state == SPECIAL_FAILURE:
            fails.append(i)
    return fails, inits


def calc_accuracy(
    gt_trajectory: Sequence[np.ndarray],
    pred_trajectory: Sequence[np.ndarray],
    burnin: int = 10,
    ignore_unknown: bool = True,
    video_wh: Optional[Sequence[int]] = None,
) -> float:
    """Accuracy of one video.

    Args:
        gt_trajectory (Sequence[np.ndarray]): Gt regions (box or polygon).
        pred_trajectory (Sequence[np.ndarray]): Predicted regions or states.
        burnin (int): Frames ignored from each (re)initialisation on.
        ignore_unknown (bool): Leave out the unknown frames.
        video_wh (Sequence[int], optional): Image ``(width, height)``.

    Returns:
        float: Mean overlap of the frames that count (0.0 if none).
    """
    overlaps = np.array(calculate_region_overlaps(pred_trajectory, gt_trajectory, video_wh))
    mask = np.ones(len(overlaps), dtype=bool)
    for i, region in enumerate(pred_trajectory):
        state = _state(region)
        if state == SPECIAL_UNKNOWN and ignore_unknown:
            mask[i] = False
        elif state == SPECIAL_INIT:
            mask[i : min(len(pred_trajectory), i + burnin)] = False
        elif state == SPECIAL_FAILURE:
            mask[i] = False
    return float(np.mean(overlaps[mask])) if mask.any() else 0.0


def eval_sot_accuracy_robustness(
    results: Sequence[Sequence[np.ndarray]],
    annotations: Sequence[Sequence[np.ndarray]],
    burnin: int = 10,
    ignore_unknown: bool = True,
    videos_wh: Optional[Sequence[Sequence[int]]] = None,
) -> dict:
    """Accuracy and robustness over all videos.

    Args:
        results (Sequence): Per video, per frame, a predicted region or state.
        annotations (Sequence): Per video, per frame, a gt region.
        burnin (int): See :func:`calc_accuracy`.
        ignore_unknown (bool): See :func:`calc_accuracy`.
        videos_wh (Sequence, optional): Per video, the image ``(width, height)``.

    Returns:
        dict: ``accuracy`` (frame-weighted mean), ``robustness`` (failures per
        100 frames) and ``num_fails``.
    """
    if videos_wh is None:
        videos_wh = [None] * len(annotations)
    accuracy = 0.0
    num_fails = 0
    weight = 0
    for i, (gt_traj, pred_traj) in enumerate(zip(annotations, results)):
        _check_trajectory(pred_traj, gt_traj, i)
        num_fails += sum(_state(r) == SPECIAL_FAILURE for r in pred_traj)
        accuracy += calc_accuracy(
            gt_traj, pred_traj, burnin=burnin, ignore_unknown=ignore_unknown, video_wh=videos_wh[i]
        ) * len(pred_traj)
        weight += len(pred_traj)
    if weight == 0:
        raise ValueError("no frame to evaluate")
    return dict(
        accuracy=accuracy / weight, robustness=num_fails / weight * 100, num_fails=num_fails
    )


def calc_eao_curve(overlaps: Sequence[Sequence[float]], successes: Sequence[bool]) -> np.ndarray:
    """Expected-average-overlap curve of a set of fragments.

    Args:
        overlaps (Sequence[Sequence[float]]): Per fragment, the overlap of each
            frame (frame 0 = the initialisation frame).
        successes (Sequence[bool]): Per fragment, True if it reached the end
            of its video without failing.

    Returns:
        np.ndarray: ``(max_length,)`` float32, ``curve[N]`` = mean over the
        fragments that count at ``N`` of their average overlap on ``1..N``.
    """
    max_length = max(len(o) for o in overlaps)
    runs = len(overlaps)
    overlaps_array = np.zeros((runs, max_length), dtype=np.float32)
    mask = np.zeros((runs, max_length), dtype=np.float32)
    for i, (overlap, success) in enumerate(zip(overlaps, successes)):
        overlaps_array[i, : len(overlap)] = np.array(overlap)
        if not success:
            mask[i, :] = 1
        else:
            mask[i, : len(overlap)] = 1
    running_mean = overlaps_array.copy()
    for j in range(1, max_length):
        running_mean[:, j] = np.mean(overlaps_array[:, 1 : j + 1], axis=1)
    return np.sum(running_mean * mask, axis=0) / np.sum(mask, axis=0)


def eval_sot_eao(
    results: Sequence[Sequence[np.ndarray]],
    annotations: Sequence[Sequence[np.ndarray]],
    interval: Sequence[int] = VOT_INTERVALS["vot2018"],
    videos_wh: Optional[Sequence[Sequence[int]]] = None,
) -> dict:
    """EAO over all videos.

    Args:
        results (Sequence): Per video, per frame, a predicted region or state.
        annotations (Sequence): Per video, per frame, a gt region.
        interval (Sequence[int]): ``(low, high)`` indices of the EAO curve that
            are averaged, both included.
        videos_wh (Sequence, optional): Per video, the image ``(width, height)``.

    Returns:
        dict: ``eao`` (float). If the longest fragment is shorter than
        ``high + 1`` frames, the curve is averaged over the indices that exist
        (numpy slicing, as the reference).
    """
    if videos_wh is None:
        videos_wh = [None] * len(annotations)
    all_overlaps, all_successes = [], []
    for i, (gt_traj, pred_traj) in enumerate(zip(annotations, results)):
        _check_trajectory(pred_traj, gt_traj, i)
        fail_inds, init_inds = locate_failures_inits(pred_traj)
        overlaps = calculate_region_overlaps(pred_traj, gt_traj, videos_wh[i])
        if fail_inds:
            for k, fail in enumerate(fail_inds):
                if k >= len(init_inds):
                    raise ValueError(
                        f"video {i}: failure at frame {fail} without a preceding initialisation"
                    )
                all_overlaps.append(overlaps[init_inds[k] : fail])
                all_successes.append(False)
            if len(init_inds) > len(fail_inds):
                all_overlaps.append(overlaps[init_inds[-1] :])
                all_successes.append(True)
        else:
            all_overlaps.append(overlaps)
            all_successes.append(True)
    if not all_overlaps:
        raise ValueError("no video to evaluate")
    curve = calc_eao_curve(all_overlaps, all_successes)
    low, high = int(interval[0]), int(interval[1])
    window = curve[low : high + 1]
    if window.size == 0:
        raise ValueError(
            f"EAO interval {list(interval)} starts beyond the longest fragment "
            f"({len(curve)} frames)"
        )
    return dict(eao=float(np.mean(window)))
