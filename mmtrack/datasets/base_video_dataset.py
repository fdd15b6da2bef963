"""Base dataset of the video tasks (VID, MOT, VIS) on CocoVID JSON files."""

from __future__ import annotations

import copy
import logging
import random
from typing import Any, Optional, Sequence, Union

from mmengine.dataset import BaseDataset, force_full_init
from mmengine.logging import print_log

from mmtrack.registry import DATASETS, TRANSFORMS

from .api_wrappers import CocoVID
from .coco_parse_mixin import CocoParseMixin
from .ref_img_sampling import RefImgSamplerCfg, sample_ref_frames

VideoIndex = Union[int, Sequence[int]]


def _build_pipeline(pipeline: Sequence[Union[dict, Any]]) -> list:
    """Build transform configs with mmtrack's registry (works without a default scope)."""
    return [TRANSFORMS.build(t) if isinstance(t, dict) else t for t in pipeline]


@DATASETS.register_module()
class BaseVideoDataset(CocoParseMixin, BaseDataset):
    """Base dataset for VID, MOT and VIS on a CocoVID JSON file.

    The element of the dataset is a **video**: ``len(dataset)`` is the number
    of videos and ``get_data_info(i)`` returns
    ``dict(video_id, video_name, video_length, key_frame_inds, images)`` where
    ``images`` holds one dict per frame, sorted by ``frame_id``, with the image
    fields of the JSON file plus ``img_id``, ``img_path`` and ``instances``
    (``bbox`` x1y1x2y2 floats, ``bbox_label``, ``instance_id``,
    ``ignore_flag`` and, when present, ``mask``: polygons or RLE).

    Indexing (``dataset[idx]``):

    * ``idx = (video_idx, frame_idx)``: that frame is the key frame; reference
      frames are added by ``ref_img_sampler`` (as
      :class:`~mmtrack.datasets.samplers.TrackImgSampler` yields in training
      and testing).
    * ``idx = video_idx`` in training: a random key frame of the video.
    * ``idx = video_idx`` in test mode: the whole video, every frame a key frame.

    The pipeline receives a dict of per-frame lists (every value a list with
    one item per frame of the clip, the key frame first), including
    ``key_frame_flags``, ``video_id``, ``video_length`` (frames in the whole
    video), ``ori_video_length`` (the same) and ``is_video_data``; transforms
    are broadcast over frames with ``TransformBroadcaster``.

    Args:
        load_as_video: read the file as CocoVID videos. If False, the file is
            plain COCO and every image becomes a one-frame video. Defaults to True.
        key_img_sampler: ``dict(interval=k)``: only frames with
            ``frame_id % k == 0`` are key frames. Defaults to ``dict(interval=1)``.
        ref_img_sampler: reference frame sampling, None for single frames.
            Fields: ``frame_range`` (int or ``[left, right]``), ``stride``,
            ``num_ref_imgs``, ``filter_key_img``, ``return_key_img`` and
            ``method`` (``uniform``, ``bilateral_uniform``,
            ``test_with_adaptive_stride``, ``test_with_fix_stride``); see
            :func:`~mmtrack.datasets.ref_img_sampling.sample_ref_frames`.
            Defaults to None.
        filter_cfg: training-time filter of key frames:
            ``dict(filter_empty_gt=True, min_size=32)`` drops key frames
            without a non-ignored instance and images whose shorter side is
            below ``min_size``; videos left without key frames are dropped.
            None keeps everything. Not applied in test mode. Defaults to None.
        **kwargs: :class:`mmengine.dataset.BaseDataset` arguments
            (``ann_file``, ``metainfo``, ``data_root``, ``data_prefix`` with
            key ``img_path``, ``pipeline``, ``test_mode``, ``serialize_data``,
            ``lazy_init``, ``max_refetch``, ``indices``).
    """

    METAINFO: dict = dict(classes=None)

    def __init__(
        self,
        load_as_video: bool = True,
        key_img_sampler: Optional[dict] = None,
        ref_img_sampler: Optional[dict] = None,
        **kwargs: Any,
    ) -> None:
        self.load_as_video = load_as_video
        self.key_img_sampler = (
            dict(interval=1) if key_img_sampler is None else dict(key_img_sampler)
        )
        interval = self.key_img_sampler.get("interval", 1)
        if not isinstance(interval, int) or interval < 1:
            raise ValueError(
                f"key_img_sampler field 'interval' must be an int >= 1, got {interval!r}"
            )
        self.ref_img_sampler = None if ref_img_sampler is None else dict(ref_img_sampler)
        self._ref_cfg = (
            None if ref_img_sampler is None else RefImgSamplerCfg.from_dict(dict(ref_img_sampler))
        )
        self._summaries: list[dict] = []
        if "pipeline" in kwargs:
            kwargs["pipeline"] = _build_pipeline(kwargs["pipeline"])
        super().__init__(**kwargs)

    # ------------------------------------------------------------------ loading
    def full_init(self) -> None:
        """Load, filter, slice and serialize the data list (as mmengine), and
        keep a small per-video summary for the samplers."""
        if self._fully_initialized:
            return
        self.data_list = self.load_data_list()
        self.data_list = self.filter_data()
        if self._indices is not None:
            self.data_list = self._get_unserialized_subset(self._indices)
        self._summaries = [self._summarize(v) for v in self.data_list]
        if not self.data_list:
            print_log(f"{self.ann_file}: no video left after filtering", "current", logging.WARNING)
            self.serialize_data = False  # mmengine cannot serialize an empty list
        if self.serialize_data:
            self.data_bytes, self.data_address = self._serialize_data()
        self._fully_initialized = True

    @staticmethod
    def _summarize(video: dict) -> dict:
        first = video["images"][0] if video["images"] else {}
        return dict(
            video_length=video["video_length"],
            key_frame_inds=list(video["key_frame_inds"]),
            width=first.get("width", 0),
            height=first.get("height", 0),
        )

    def load_data_list(self) -> list[dict]:
        """Read ``ann_file`` into one dict per video (see the class docstring)."""
        coco = CocoVID(self.ann_file, load_img_as_vid=not self.load_as_video)
        self._init_categories(coco)
        self._check_unique_ann_ids(coco)
        data_list = []
        for vid_id in coco.get_vid_ids():
            img_ids = coco.get_img_ids_from_vid(vid_id)
            if not img_ids:
                print_log(f"{self.ann_file}: video {vid_id} has no image, skipped", "current")
                continue
            images = []
            for img_id in img_ids:
                raw_img_info = dict(coco.imgs[img_id])
                raw_img_info["img_id"] = img_id
                raw_ann_info = coco.load_anns(coco.get_ann_ids(img_ids=[img_id]))
                images.append(
                    self.parse_data_info(dict(raw_img_info=raw_img_info, raw_ann_info=raw_ann_info))
                )
            video = coco.videos[vid_id]
            data_list.append(
                dict(
                    video_id=vid_id,
                    video_name=video.get("name", str(vid_id)),
                    video_length=len(images),
                    key_frame_inds=[i for i, img in enumerate(images) if self._is_key_frame(img)],
                    images=images,
                )
            )
        return data_list

    def _is_key_frame(self, img_info: dict) -> bool:
        return img_info["frame_id"] % self.key_img_sampler.get("interval", 1) == 0

    def filter_data(self) -> list[dict]:
        """Drop training key frames without ground truth or too small (see
        ``filter_cfg``) and videos left without key frames."""
        if self.test_mode or self.filter_cfg is None:
            return self.data_list
        filter_empty_gt = self.filter_cfg.get("filter_empty_gt", True)
        min_size = self.filter_cfg.get("min_size", 0)
        new_list = []
        before = after = 0
        for video in self.data_list:
            keep = []
            for i in video["key_frame_inds"]:
                img = video["images"][i]
                if filter_empty_gt and not any(
                    ins.get("ignore_flag", 0) == 0 for ins in img["instances"]
                ):
                    continue
                if min(img["width"], img["height"]) < min_size:
                    continue
                keep.append(i)
            before += len(video["key_frame_inds"])
            after += len(keep)
            if keep:
                video["key_frame_inds"] = keep
                new_list.append(video)
        print_log(f"key frames before / after filtering: {before} / {after}", "current")
        return new_list

    # ------------------------------------------------------------------ queries
    @property
    def num_videos(self) -> int:
        """Number of videos (``len(self)``)."""
        return len(self)

    @force_full_init
    def get_len_per_video(self, idx: int) -> int:
        """Number of frames of the ``idx``-th video."""
        return self._summaries[idx]["video_length"]

    @force_full_init
    def get_key_frame_inds(self, idx: int) -> list[int]:
        """Positions of the key frames of the ``idx``-th video (after filtering)."""
        return list(self._summaries[idx]["key_frame_inds"])

    @force_full_init
    def get_video_shape(self, idx: int) -> tuple[int, int]:
        """``(height, width)`` of the first frame of the ``idx``-th video."""
        s = self._summaries[idx]
        return s["height"], s["width"]

    @property
    def num_all_imgs(self) -> int:
        """Total number of frames of all videos."""
        return sum(self.get_len_per_video(i) for i in range(len(self)))

    def get_cat_ids(self, idx: VideoIndex) -> list[int]:
        """Labels of the instances of a frame ``(video_idx, frame_idx)`` or of a whole video."""
        video_idx, frame_idx = self._split_index(idx)
        images = self.get_data_info(video_idx)["images"]
        if frame_idx is not None:
            images = [images[frame_idx]]
        return [ins["bbox_label"] for img in images for ins in img["instances"]]

    def get_subset(self, indices: Union[Sequence[int], int]) -> BaseVideoDataset:
        """Subset of videos (as mmengine), with the video summaries kept in step."""
        sub = super().get_subset(indices)
        sub._summaries = [sub._summarize(sub.get_data_info(i)) for i in range(len(sub))]
        return sub

    # ------------------------------------------------------------- preparation
    @staticmethod
    def _split_index(idx: VideoIndex) -> tuple[int, Optional[int]]:
        if isinstance(idx, (tuple, list)):
            if len(idx) != 2:
                raise ValueError(
                    f"a video dataset index is int or (video_idx, frame_idx), got {idx!r}"
                )
            return int(idx[0]), int(idx[1])
        return int(idx), None

    def sample_frames(self, video: dict, key_ind: int) -> tuple[list[int], list[bool], dict]:
        """Frames of the clip of key frame ``key_ind``: positions, key flags
        and extra per-clip meta (``[key, *sorted refs]``)."""
        if self._ref_cfg is None:
            return [key_ind], [True], {}
        refs, extra = sample_ref_frames(
            key_ind, video["video_length"], self._ref_cfg, is_video=self.load_as_video
        )
        if self._ref_cfg.return_key_img:
            return [key_ind, *refs], [True] + [False] * len(refs), extra
        return refs, [False] * len(refs), extra

    def collate_frames(
        self, video: dict, frame_inds: Sequence[int], key_flags: Sequence[bool], extra: dict
    ) -> dict:
        """Gather frames into a dict of per-frame lists for the pipeline."""
        frames = []
        used: set = set()
        for ind in frame_inds:
            frame = video["images"][ind]
            frame = copy.deepcopy(frame) if ind in used else dict(frame)
            used.add(ind)
            frame.update(
                video_id=video["video_id"],
                video_length=video["video_length"],
                ori_video_length=video["video_length"],
                is_video_data=self.load_as_video,
                **extra,
            )
            frames.append(frame)
        keys: list[str] = []
        for frame in frames:
            keys.extend(k for k in frame if k not in keys)
        results = {k: [f.get(k) for f in frames] for k in keys}
        results["key_frame_flags"] = list(key_flags)
        return results

    def prepare_data(self, idx: VideoIndex) -> Any:
        """Sample the clip of ``idx`` (see the class docstring) and run the pipeline.

        Returns None (so that mmengine draws another index in training) when a
        training video has no key frame.
        """
        video_idx, frame_idx = self._split_index(idx)
        video = self.get_data_info(video_idx)
        n = video["video_length"]
        if frame_idx is None:
            if self.test_mode:
                results = self.collate_frames(video, list(range(n)), [True] * n, {})
                return self.pipeline(results)
            if not video["key_frame_inds"]:
                return None
            frame_idx = random.choice(video["key_frame_inds"])
        if not 0 <= frame_idx < n:
            raise IndexError(f"frame {frame_idx} outside video {video_idx} of {n} frames")
        inds, flags, extra = self.sample_frames(video, frame_idx)
        return self.pipeline(self.collate_frames(video, inds, flags, extra))
