"""Frame sampling for SOT training: the first transform of a SOT training pipeline.

Each sampler receives ``[video_info, video_info_another]`` from
:class:`~mmtrack.datasets.BaseSOTDataset` (keys ``img_paths``, ``frame_ids``,
``video_id``, ``video_length``, ``bboxes`` (N, 4) x1y1x2y2, ``bboxes_isvalid``,
``visible``) and returns a dict of per-frame lists, template frames first:

* ``img_path``, ``frame_id``, ``video_id``, ``video_length``;
* ``gt_bboxes``: ``(1, 4)`` float32 x1y1x2y2 per frame, and ``gt_bboxes_labels``
  ``(1,)`` int64 (1 for a positive pair, 0 for a negative one), so that no
  annotation-loading transform is needed;
* ``instances``: ``[dict(bbox, bbox_label)]`` per frame, for
  ``LoadTrackAnnotations``.

Every value is a list of the same length, as ``TransformBroadcaster`` needs.
A sampler returns None when the video has too few usable frames; the dataset
then draws another index.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence

import numpy as np
from mmcv.transforms import BaseTransform

from mmtrack.registry import TRANSFORMS


def pack_sampled_frames(
    video_info: dict,
    frame_inds: Sequence[int],
    is_positive: bool,
    results: dict | None = None,
) -> dict:
    """Append the chosen frames of a video to a dict of per-frame lists.

    Args:
        video_info (dict): Video information from the dataset.
        frame_inds (Sequence[int]): Indices into the video's frames.
        is_positive (bool): Label of the frames (positive pair or not).
        results (dict, optional): Lists to extend; a new dict if None.

    Returns:
        dict: ``img_path``, ``frame_id``, ``video_id``, ``video_length``,
        ``gt_bboxes``, ``gt_bboxes_labels``, ``instances`` lists.
    """
    if results is None:
        results = defaultdict(list)
    label = int(is_positive)
    for ind in frame_inds:
        ind = int(ind)
        bbox = np.asarray(video_info["bboxes"][ind], dtype=np.float32).reshape(4)
        results["img_path"].append(video_info["img_paths"][ind])
        results["frame_id"].append(int(video_info["frame_ids"][ind]))
        results["video_id"].append(video_info["video_id"])
        results["video_length"].append(video_info["video_length"])
        results["gt_bboxes"].append(bbox[None].copy())
        results["gt_bboxes_labels"].append(np.array([label], dtype=np.int64))
        results["instances"].append([dict(bbox=bbox.copy(), bbox_label=label)])
    return results


def random_sample_inds(
    visibility: np.ndarray,
    num_samples: int = 1,
    frame_range: Sequence[int] | None = None,
    allow_invisible: bool = False,
    force_invisible: bool = False,
) -> list[int | None]:
    """Draw frame indices (with replacement) from ``frame_range``.

    Args:
        visibility (np.ndarray): ``(N,)`` bool, visibility of each frame.
        num_samples (int): Number of indices. Defaults to 1.
        frame_range (Sequence[int], optional): ``[start, stop)``, clipped to the
            video; the whole video if None.
        allow_invisible (bool): Draw from all frames of the range. Defaults to
            False (visible frames only).
        force_invisible (bool): Draw from invisible frames only. Defaults to False.

    Returns:
        list[int | None]: The indices, or ``[None] * num_samples`` when the
        range has no eligible frame.
    """
    visibility = np.asarray(visibility, dtype=bool)
    start, stop = (0, len(visibility)) if frame_range is None else frame_range
    start, stop = max(0, int(start)), min(len(visibility), int(stop))
    if stop <= start:
        return [None] * num_samples
    window = visibility[start:stop]
    if force_invisible:
        candidates = np.flatnonzero(~window) + start
    elif allow_invisible:
        candidates = np.arange(start, stop)
    else:
        candidates = np.flatnonzero(window) + start
    if len(candidates) == 0:
        return [None] * num_samples
    return [int(i) for i in random.choices(candidates.tolist(), k=num_samples)]


@TRANSFORMS.register_module()
class PairSampling(BaseTransform):
    """Template/search pair sampling of SiamRPN++.

    The template is a random visible frame of the first video. With probability
    ``pos_prob`` the search frame is a visible frame of the same video within
    ``[template + frame_range[0], template + frame_range[1]]`` (a positive pair,
    label 1); otherwise it is a random visible frame of the other video (a
    negative pair, label 0). One-frame videos (still images) pair the image
    with itself.

    Args:
        frame_range (int | Sequence[int]): Search window around the template:
            ``r`` means ``[-r, r]``; ``[left, right]`` with ``left <= 0 <= right``.
            Defaults to 5.
        pos_prob (float): Probability of a positive pair. Defaults to 0.8.
        filter_template_img (bool): Exclude the template frame itself from the
            search candidates. Defaults to False.
    """

    def __init__(
        self,
        frame_range: int | Sequence[int] = 5,
        pos_prob: float = 0.8,
        filter_template_img: bool = False,
    ) -> None:
        if not 0.0 <= pos_prob <= 1.0:
            raise ValueError(f"PairSampling pos_prob must be in [0, 1], got {pos_prob}")
        if isinstance(frame_range, int):
            if frame_range < 0:
                raise ValueError(f"PairSampling frame_range must be >= 0, got {frame_range}")
            frame_range = [-frame_range, frame_range]
        frame_range = list(frame_range)
        if len(frame_range) != 2 or not frame_range[0] <= 0 <= frame_range[1]:
            raise ValueError(
                f"PairSampling frame_range must be [left <= 0, right >= 0], got {frame_range}"
            )
        self.frame_range = [int(frame_range[0]), int(frame_range[1])]
        self.pos_prob = pos_prob
        self.filter_template_img = filter_template_img

    def search_candidates(self, visible: np.ndarray, template_ind: int) -> np.ndarray:
        """Visible frames in the search window of a template frame.

        Args:
            visible (np.ndarray): ``(N,)`` bool visibility.
            template_ind (int): Template frame index.

        Returns:
            np.ndarray: Candidate search frame indices.
        """
        left = max(template_ind + self.frame_range[0], 0)
        right = min(template_ind + self.frame_range[1], len(visible) - 1)
        inds = np.arange(left, right + 1)
        inds = inds[np.asarray(visible, dtype=bool)[left : right + 1]]
        if self.filter_template_img:
            inds = inds[inds != template_ind]
        return inds

    def transform(self, pair_video_infos: list[dict]) -> dict | None:
        """Sample a template and a search frame.

        Args:
            pair_video_infos (list[dict]): The video and another video.

        Returns:
            dict | None: Per-frame lists of 2 frames, None without usable frames.
        """
        video_info, other_info = pair_video_infos
        is_positive = np.random.random() < self.pos_prob
        if len(video_info["frame_ids"]) == 1 or len(other_info["frame_ids"]) == 1:
            if not (video_info["visible"][0] and (is_positive or other_info["visible"][0])):
                return None
            if is_positive:
                return dict(pack_sampled_frames(video_info, [0, 0], True))
            results = pack_sampled_frames(video_info, [0], False)
            return dict(pack_sampled_frames(other_info, [0], False, results))

        visible_inds = np.flatnonzero(np.asarray(video_info["visible"], dtype=bool))
        if len(visible_inds) == 0:
            return None
        template_ind = int(np.random.choice(visible_inds))
        if is_positive:
            candidates = self.search_candidates(video_info["visible"], template_ind)
            if len(candidates) == 0:
                return None
            search_ind = int(np.random.choice(candidates))
            return dict(pack_sampled_frames(video_info, [template_ind, search_ind], True))
        other_visible = np.flatnonzero(np.asarray(other_info["visible"], dtype=bool))
        if len(other_visible) == 0:
            return None
        results = pack_sampled_frames(video_info, [template_ind], False)
        return dict(
            pack_sampled_frames(other_info, [int(np.random.choice(other_visible))], False, results)
        )

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(frame_range={self.frame_range}, "
            f"pos_prob={self.pos_prob}, filter_template_img={self.filter_template_img})"
        )


@TRANSFORMS.register_module()
class DiMPSampling(BaseTransform):
    """Template/search sampling of DiMP (train and test sets of frames).

    A base frame is drawn from ``[T - 1, N - S)``, then ``T - 1`` more templates
    from ``[base - R, base)``, then ``S`` search frames from ``(t0, t0 + R)``, t0
    the base frame (``T``/``S`` the numbers of template/search frames, ``R`` is
    ``max_frame_range``); ``R`` grows by 5 frames after each try. All frames
    are visible and drawn with replacement.

    Args:
        num_search_frames (int): Number of search frames. Defaults to 3.
        num_template_frames (int): Number of template frames. Defaults to 3.
        max_frame_range (int): Sampling window. Defaults to 200.
        min_num_frames (int): Videos shorter than this are skipped.
            Defaults to 20.
        max_tries (int): Window enlargements before giving up. Defaults to 100.
    """

    def __init__(
        self,
        num_search_frames: int = 3,
        num_template_frames: int = 3,
        max_frame_range: int = 200,
        min_num_frames: int = 20,
        max_tries: int = 100,
    ) -> None:
        if num_search_frames < 1 or num_template_frames < 1:
            raise ValueError(
                "DiMPSampling needs at least one template and one search frame, got "
                f"{num_template_frames} and {num_search_frames}"
            )
        self.num_search_frames = num_search_frames
        self.num_template_frames = num_template_frames
        self.max_frame_range = max_frame_range
        self.min_num_frames = min_num_frames
        self.max_tries = max_tries

    @property
    def num_frames(self) -> int:
        """Frames per sample."""
        return self.num_template_frames + self.num_search_frames

    def enough_visible_frames(self, video_info: dict, is_video_data: bool) -> bool:
        """Whether a video can give a sample."""
        if not is_video_data:
            return bool(np.all(video_info["bboxes_isvalid"][:1]))
        visible = np.asarray(video_info["visible"], dtype=bool)
        return visible.sum() > 2 * self.num_frames and len(visible) >= self.min_num_frames

    def sampling_frames(self, visibility: np.ndarray) -> list[int] | None:
        """Template and search frame indices of one video.

        Args:
            visibility (np.ndarray): ``(N,)`` bool.

        Returns:
            list[int] | None: Template indices then search indices, None if no
            valid set was found.
        """
        num_templates, num_search = self.num_template_frames, self.num_search_frames
        gap = 0
        for _ in range(self.max_tries):
            base = random_sample_inds(
                visibility, 1, [num_templates - 1, len(visibility) - num_search]
            )
            if base[0] is None:
                return None
            prev: list[int | None] = []
            if num_templates > 1:
                prev = random_sample_inds(
                    visibility,
                    num_templates - 1,
                    [base[0] - self.max_frame_range - gap, base[0]],
                )
                if prev[0] is None:
                    gap += 5
                    continue
            templates = base + prev
            search = random_sample_inds(
                visibility,
                num_search,
                [templates[0] + 1, templates[0] + self.max_frame_range + gap],
            )
            gap += 5
            if search[0] is not None:
                return [int(i) for i in templates + search]
        return None

    def transform(self, pair_video_infos: list[dict]) -> dict | None:
        """Sample the frames of one training sample.

        Args:
            pair_video_infos (list[dict]): The video and another video.

        Returns:
            dict | None: Per-frame lists (templates, then search frames).
        """
        video_info, other_info = pair_video_infos
        is_video_data = len(video_info["frame_ids"]) > 1 and len(other_info["frame_ids"]) > 1
        if not self.enough_visible_frames(video_info, is_video_data):
            return None
        inds = (
            self.sampling_frames(video_info["visible"]) if is_video_data else [0] * self.num_frames
        )
        if inds is None or not np.all(np.asarray(video_info["bboxes_isvalid"])[inds]):
            return None
        return dict(pack_sampled_frames(video_info, inds, True))

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(num_search_frames={self.num_search_frames}, "
            f"num_template_frames={self.num_template_frames}, "
            f"max_frame_range={self.max_frame_range}, min_num_frames={self.min_num_frames})"
        )


@TRANSFORMS.register_module()
class TridentSampling(DiMPSampling):
    """Multi-template sampling of STARK.

    A template and a search frame are drawn from the visible frames of the
    video; each extra template ``k`` is a visible frame within
    ``max_frame_range[k]`` frames of the search frame, on the template's side.
    After 100 failed tries the first template is repeated. For training the
    classification head (``train_cls_head``), with probability
    ``1 - cls_pos_prob`` the search frame comes from the other video and all
    labels are 0.

    Args:
        num_search_frames (int): Number of search frames. Defaults to 1.
        num_template_frames (int): Number of templates (>= 2). Defaults to 2.
        max_frame_range (Sequence[int]): Window of each extra template, one per
            extra template. Defaults to (200,).
        min_num_frames (int): Videos shorter than this are skipped.
            Defaults to 20.
        cls_pos_prob (float): Probability of a positive sample when training the
            classification head. Defaults to 0.5.
        train_cls_head (bool): Whether to sample for the classification head.
            Defaults to False.
    """

    def __init__(
        self,
        num_search_frames: int = 1,
        num_template_frames: int = 2,
        max_frame_range: Sequence[int] = (200,),
        min_num_frames: int = 20,
        cls_pos_prob: float = 0.5,
        train_cls_head: bool = False,
    ) -> None:
        if num_template_frames < 2:
            raise ValueError(f"TridentSampling needs >= 2 templates, got {num_template_frames}")
        if len(max_frame_range) != num_template_frames - 1:
            raise ValueError(
                "TridentSampling max_frame_range needs one window per extra template "
                f"({num_template_frames - 1}), got {list(max_frame_range)}"
            )
        super().__init__(num_search_frames, num_template_frames, 0, min_num_frames)
        self.max_frame_range = list(max_frame_range)
        self.cls_pos_prob = cls_pos_prob
        self.train_cls_head = train_cls_head

    def sampling_frames(self, visibility: np.ndarray) -> list[int] | None:
        """``[template, extra templates..., search]`` indices of one video."""
        template_ind = search_ind = None
        for _ in range(100):
            template_ind, search_ind = random_sample_inds(visibility, 2)
            if template_ind is None:
                return None
            extra = []
            for frame_range in self.max_frame_range:
                if template_ind >= search_ind:
                    window = [search_ind, search_ind + frame_range]
                else:
                    window = [search_ind - frame_range, search_ind]
                extra.append(random_sample_inds(visibility, 1, window)[0])
            if None not in extra:
                return [template_ind, *extra, search_ind]
        return [template_ind] * self.num_template_frames + [search_ind]

    def transform(self, pair_video_infos: list[dict]) -> dict | None:
        """Sample the frames of one training sample.

        Args:
            pair_video_infos (list[dict]): The video and another video.

        Returns:
            dict | None: Per-frame lists (templates, then the search frame).
        """
        video_info, other_info = pair_video_infos
        is_video_data = len(video_info["frame_ids"]) > 1 and len(other_info["frame_ids"]) > 1
        if not self.enough_visible_frames(video_info, is_video_data):
            return None
        inds = (
            self.sampling_frames(video_info["visible"]) if is_video_data else [0] * self.num_frames
        )
        if inds is None or not np.all(np.asarray(video_info["bboxes_isvalid"])[inds]):
            return None
        if not self.train_cls_head or random.random() < self.cls_pos_prob:
            return dict(pack_sampled_frames(video_info, inds, True))
        results = pack_sampled_frames(video_info, inds[: self.num_template_frames], False)
        neg = random_sample_inds(other_info["bboxes_isvalid"], 1) if is_video_data else [0]
        if neg[0] is None:
            return None
        return dict(pack_sampled_frames(other_info, neg, False, results))

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(num_search_frames={self.num_search_frames}, "
            f"num_template_frames={self.num_template_frames}, "
            f"max_frame_range={self.max_frame_range}, min_num_frames={self.min_num_frames}, "
            f"cls_pos_prob={self.cls_pos_prob}, train_cls_head={self.train_cls_head})"
        )
