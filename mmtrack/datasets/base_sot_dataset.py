"""Base class of the single-object-tracking (SOT) datasets.

A SOT dataset is a list of videos. Each video is described by one *info* record
``dict(video_path, ann_path, start_frame_id, end_frame_id, framename_template)``
(paths relative to ``data_prefix['img_path']``), read either from a benchmark's
info file (MMTracking 0.14 format, written by
``tools/dataset_converters/<benchmark>/gen_<benchmark>_infos.py``)::

    The format of each line in this txt is (video_path,annotation_path,start_frame_id,end_frame_id)
    Basketball/img,Basketball/groundtruth_rect.txt,1,725

or, when no ``ann_file`` is given, by walking the benchmark's own folder layout
(``scan_videos`` of each subclass). Annotations (boxes, visibility) are loaded
lazily, one video at a time.
"""

from __future__ import annotations

import os
import os.path as osp
import random
import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from mmengine.dataset import BaseDataset, force_full_init
from mmengine.fileio import exists, get_text

from mmtrack.registry import DATASETS

INFO_HEADER = (
    "The format of each line in this txt is "
    "(video_path,annotation_path,start_frame_id,end_frame_id)"
)

_SPLIT_RE = re.compile(r"[,\s]+")


def read_text_lines(path: str, what: str = "file") -> list[str]:
    """Read a text file (any mmengine file backend) and return its lines.

    Args:
        path (str): Path of the file.
        what (str): What the file is, for the error message. Defaults to "file".

    Returns:
        list[str]: The lines, without line endings.

    Raises:
        FileNotFoundError: If the file does not exist.
    """
    if not exists(path):
        raise FileNotFoundError(f"{path}: {what} not found")
    return get_text(path).splitlines()


def parse_box_file(
    path: str,
    num_cols: Sequence[int] = (4,),
    row_fn: Callable[[list[float]], list[float]] | None = None,
) -> np.ndarray:
    """Parse a per-frame box file, one box per line.

    Values may be separated by commas, tabs or spaces (OTB mixes them). ``NaN``
    values are accepted (UAV123 marks absent targets so); negative widths or
    heights are not. Blank lines at the end are ignored.

    Args:
        path (str): Path of the annotation file.
        num_cols (Sequence[int]): Accepted numbers of values per line, e.g.
            ``(4,)`` for ``x, y, w, h`` or ``(4, 8)`` for VOT rectangles and
            polygons. Defaults to (4,).
        row_fn (Callable, optional): Maps each parsed row to its final form
            (e.g. a VOT rectangle to its 4 corners). All final rows must have the
            same length. Defaults to None.

    Returns:
        np.ndarray: ``(N, C)`` float64 array.

    Raises:
        ValueError: On a line with a wrong number of values, a value that is not
            a number, a negative box size, or an empty file; the message names
            the file and the line.
    """
    lines = read_text_lines(path, "annotation file")
    while lines and not lines[-1].strip():
        lines.pop()
    rows: list[list[float]] = []
    for lineno, line in enumerate(lines, start=1):
        text = line.strip()
        fields = [f for f in _SPLIT_RE.split(text) if f]
        if len(fields) not in num_cols:
            raise ValueError(
                f"{path}:{lineno}: expected {' or '.join(map(str, num_cols))} values per box, "
                f"got {len(fields)} in {text!r}"
            )
        try:
            row = [float(f) for f in fields]
        except ValueError:
            raise ValueError(f"{path}:{lineno}: box value is not a number in {text!r}") from None
        if len(row) == 4 and (row[2] < 0 or row[3] < 0):
            raise ValueError(f"{path}:{lineno}: box has a negative width or height in {text!r}")
        if row_fn is not None:
            row = row_fn(row)
        if rows and len(row) != len(rows[0]):
            raise ValueError(
                f"{path}:{lineno}: {len(fields)} values per box but line 1 has {len(rows[0])}"
            )
        rows.append(row)
    if not rows:
        raise ValueError(f"{path}: annotation file is empty")
    return np.asarray(rows, dtype=np.float64)


def check_box_file(path: str, num_frames: int, first_frame_only_ok: bool = False) -> None:
    """Validate a ``groundtruth.txt`` while generating info files.

    Every row must be ``x, y, w, h`` of finite numbers with non-negative size
    (see :func:`parse_box_file`) and there must be one row per frame
    (``first_frame_only_ok``: or a single row, as GOT-10k's test split gives).

    Args:
        path (str): The annotation file.
        num_frames (int): Frames of the video.
        first_frame_only_ok (bool): Accept a file with the first frame's box
            only. Defaults to False.

    Raises:
        ValueError: Naming the file, the line and the value.
    """
    boxes = parse_box_file(path)
    bad = np.flatnonzero(~np.isfinite(boxes).all(axis=1))
    if len(bad):
        raise ValueError(f"{path}:{bad[0] + 1}: box value is NaN or infinite: {boxes[bad[0]]}")
    if len(boxes) != num_frames and not (first_frame_only_ok and len(boxes) == 1):
        raise ValueError(
            f"{path}: {len(boxes)} boxes for {num_frames} frames (one box per frame expected)"
        )


def write_info_files(outputs: Sequence[tuple[str, Sequence[dict]]]) -> None:
    """Write several info files, all or none.

    All files are first written under temporary names; they are renamed only
    once every one is complete, and the temporary files are removed on error.

    Args:
        outputs (Sequence[tuple[str, Sequence[dict]]]): ``(path, infos)`` pairs.
    """
    tmps: list[str] = []
    try:
        for path, infos in outputs:
            os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
            tmp = f"{path}.tmp{os.getpid()}"
            tmps.append(tmp)
            with open(tmp, "w") as f:
                f.write("\n".join(format_info_lines(infos)))
        for (path, _), tmp in zip(outputs, tmps):
            os.replace(tmp, path)
    finally:
        for tmp in tmps:
            if osp.exists(tmp):
                os.remove(tmp)


def parse_label_file(path: str, dtype: type = int) -> np.ndarray:
    """Parse a per-frame label file (one integer per line, or comma separated).

    Args:
        path (str): Path of the file (LaSOT ``full_occlusion.txt``, GOT-10k
            ``absence.label`` / ``cover.label``, ...).
        dtype (type): Type of the returned values. Defaults to int.

    Returns:
        np.ndarray: ``(N,)`` array.

    Raises:
        ValueError: On a value that is not an integer; the message names the file
            and the line.
    """
    values: list[int] = []
    for lineno, line in enumerate(read_text_lines(path, "label file"), start=1):
        for field in _SPLIT_RE.split(line.strip()):
            if not field:
                continue
            try:
                values.append(int(float(field)))
            except ValueError:
                raise ValueError(f"{path}:{lineno}: label is not an integer: {field!r}") from None
    return np.asarray(values).astype(dtype)


def parse_info_file(path: str, framename_template: str) -> list[dict]:
    """Parse an MMTracking SOT info file.

    The first line is a free-text header; each following line is
    ``video_path,annotation_path,start_frame_id,end_frame_id``.

    Args:
        path (str): Path of the info file.
        framename_template (str): ``%``-template of the frame file names
            (e.g. ``'%08d.jpg'``), stored in every record.

    Returns:
        list[dict]: One record per video with keys ``video_path``, ``ann_path``,
        ``start_frame_id``, ``end_frame_id``, ``framename_template``.

    Raises:
        ValueError: On a malformed line; the message names the file and line.
    """
    lines = read_text_lines(path, "info file")
    infos = []
    for lineno, line in enumerate(lines[1:], start=2):
        text = line.strip()
        if not text:
            continue
        fields = [f.strip() for f in text.split(",")]
        if len(fields) != 4:
            raise ValueError(
                f"{path}:{lineno}: expected 4 comma-separated fields "
                f"(video_path,annotation_path,start_frame_id,end_frame_id), got "
                f"{len(fields)} in {text!r}"
            )
        try:
            start, end = int(fields[2]), int(fields[3])
        except ValueError:
            raise ValueError(
                f"{path}:{lineno}: start_frame_id/end_frame_id must be integers, got "
                f"{fields[2]!r}, {fields[3]!r}"
            ) from None
        if end < start:
            raise ValueError(
                f"{path}:{lineno}: end_frame_id {end} is smaller than start_frame_id {start}"
            )
        infos.append(
            dict(
                video_path=fields[0].replace("/", os.sep),
                ann_path=fields[1].replace("/", os.sep),
                start_frame_id=start,
                end_frame_id=end,
                framename_template=framename_template,
            )
        )
    if not infos:
        raise ValueError(f"{path}: info file lists no video")
    return infos


def format_info_lines(infos: Sequence[dict]) -> list[str]:
    """Format video records as the lines of an info file (header included).

    Args:
        infos (Sequence[dict]): Records with ``video_path``, ``ann_path``,
            ``start_frame_id`` and ``end_frame_id``.

    Returns:
        list[str]: The header, then one ``video_path,ann_path,start,end`` line
        per record, with ``/`` as path separator.
    """
    lines = [INFO_HEADER]
    for info in infos:
        video_path = info["video_path"].replace(os.sep, "/")
        ann_path = info["ann_path"].replace(os.sep, "/")
        lines.append(f"{video_path},{ann_path},{info['start_frame_id']},{info['end_frame_id']}")
    return lines


def write_info_file(path: str, infos: Sequence[dict]) -> None:
    """Write an info file atomically (temporary name, then rename).

    Args:
        path (str): Output path.
        infos (Sequence[dict]): Video records, see :func:`format_info_lines`.
    """
    write_info_files([(path, infos)])


def frame_id_range(img_dir: str, ext: str = ".jpg") -> tuple[int, int]:
    """Smallest and largest frame number of the images in a folder.

    Args:
        img_dir (str): Folder of frames named ``<number><ext>``.
        ext (str): Image extension. Defaults to ".jpg".

    Returns:
        tuple[int, int]: ``(first, last)`` frame number.

    Raises:
        FileNotFoundError: If the folder does not exist.
        ValueError: If it holds no numbered image (an empty sequence).
    """
    if not osp.isdir(img_dir):
        raise FileNotFoundError(f"{img_dir}: frame folder not found")
    ids = []
    for name in os.listdir(img_dir):
        stem, suffix = osp.splitext(name)
        if suffix.lower() == ext and stem.isdigit():
            ids.append(int(stem))
    if not ids:
        raise ValueError(f"{img_dir}: empty sequence, no '*{ext}' frame found")
    return min(ids), max(ids)


@DATASETS.register_module()
class BaseSOTDataset(BaseDataset):
    """Base dataset of single object tracking, for training and testing.

    * Training (``test_mode=False``): one item per video. ``prepare_data(i)``
      passes ``[video_info(i), video_info(j)]`` (``j`` a random other video, the
      source of negative pairs) to the pipeline, whose first transform must be a
      frame sampler (``PairSampling``, ``TridentSampling``, ``DiMPSampling``).
    * Testing (``test_mode=True``): one item per frame, videos in order. An item
      index is either a flat frame index or a ``(video_idx, frame_idx)`` tuple
      (what ``VideoSampler`` yields). Each item holds ``img_path``, ``frame_id``
      (0-based), ``video_id``, ``video_length``, ``video_name``, ``img_id``,
      ``instances`` (one ``dict(bbox, bbox_label, visible)``, no ``bbox`` where
      the benchmark gives no box for the frame), ``gt_bboxes`` ``(1, 4)`` or
      ``(0, 4)`` xyxy float32, ``gt_bboxes_labels``, ``visible`` and on frame 0
      ``init_bbox`` ``(4,)`` xyxy.

    Args:
        ann_file (str): Info file; empty to walk the native folder layout.
            Defaults to ''.
        data_root (str): Root prefixed to ``ann_file`` and ``data_prefix``.
        data_prefix (dict): ``img_path``: folder the info paths are relative to.
        pipeline (Sequence): Transforms.
        test_mode (bool): Testing (frames) or training (videos).
        bbox_min_size (float): Boxes whose width or height is not larger than
            this are invalid (and the frame counts as invisible). Defaults to 0.
        only_eval_visible (bool): Whether evaluation uses visible frames only
            (read by the metric). Defaults to False.
        **kwargs: Other :class:`mmengine.dataset.BaseDataset` arguments.
    """

    METAINFO: dict = dict(classes=None)
    #: ``%``-template of frame file names in the benchmark.
    FRAMENAME_TEMPLATE = "%08d.jpg"
    #: Accepted numbers of values per line in the box files.
    BOX_COLUMNS: tuple[int, ...] = (4,)

    def __init__(
        self,
        ann_file: str = "",
        data_root: str = "",
        data_prefix: dict | None = None,
        pipeline: Sequence = (),
        test_mode: bool = False,
        bbox_min_size: float = 0,
        only_eval_visible: bool = False,
        **kwargs: Any,
    ) -> None:
        self.bbox_min_size = bbox_min_size
        self.only_eval_visible = only_eval_visible
        # Read by ``VideoSampler``: test items are frames grouped by video.
        self.load_as_video = True
        self._memo_video_idx: int | None = None
        self._memo_video_infos: dict | None = None
        self._frame_offsets: np.ndarray | None = None
        super().__init__(
            ann_file=ann_file,
            data_root=data_root,
            data_prefix=dict(img_path="") if data_prefix is None else data_prefix,
            pipeline=list(pipeline),
            test_mode=test_mode,
            **kwargs,
        )

    # ------------------------------------------------------------------ loading
    @property
    def img_root(self) -> str:
        """Folder the video and annotation paths are relative to."""
        return self.data_prefix.get("img_path", "") or self.data_root

    def load_data_list(self) -> list[dict]:
        """Read the info file, or walk the native layout when there is none.

        Returns:
            list[dict]: One record per video (see :func:`parse_info_file`).
        """
        if self.ann_file:
            infos = parse_info_file(self.ann_file, self.FRAMENAME_TEMPLATE)
            return [self.adjust_video_info(info) for info in infos]
        infos = self.scan_videos(self.img_root)
        if not infos:
            raise ValueError(f"{self.img_root}: no video found for {type(self).__name__}")
        return infos

    def adjust_video_info(self, info: dict) -> dict:
        """Complete a record read from an info file (per-benchmark quirks).

        Args:
            info (dict): Record from :func:`parse_info_file`.

        Returns:
            dict: The record, possibly with extra keys.
        """
        return info

    def scan_videos(self, root: str) -> list[dict]:
        """List the videos of the benchmark's native layout under ``root``.

        The base class knows no layout: it needs an info file.

        Args:
            root (str): Image root folder.

        Returns:
            list[dict]: Video records.
        """
        raise ValueError(
            f"{type(self).__name__} needs an info file: set ann_file (e.g. one written by "
            "tools/dataset_converters/<benchmark>/gen_<benchmark>_infos.py)"
        )

    def full_init(self) -> None:
        """Load the video list, then index the frames for test mode."""
        if self._fully_initialized:
            return
        super().full_init()
        if self.test_mode:
            lengths = [self.get_len_per_video(i) for i in range(self.num_videos)]
            self._frame_offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)

    def _load_boxes(self, video_idx: int) -> np.ndarray:
        info = self.get_data_info(video_idx)
        return parse_box_file(osp.join(self.img_root, info["ann_path"]), self.BOX_COLUMNS)

    def get_bboxes_from_video(self, video_idx: int) -> np.ndarray:
        """Boxes of the target in one video, as stored by the benchmark.

        The file must hold one box per frame; in test mode a single box (the
        first frame only, as the GOT-10k and TrackingNet test sets ship) is
        accepted too.

        Args:
            video_idx (int): Video index.

        Returns:
            np.ndarray: ``(N, 4)`` boxes in ``x, y, w, h`` format (float64), N the
            number of boxes in the file.

        Raises:
            ValueError: If the number of boxes does not match the video length.
        """
        info = self.get_data_info(video_idx)
        bboxes = self._load_boxes(video_idx)
        length = self.get_len_per_video(video_idx)
        if len(bboxes) != length and not (self.test_mode and len(bboxes) == 1):
            path = osp.join(self.img_root, info["ann_path"])
            raise ValueError(
                f"{path}: has {len(bboxes)} boxes but the video "
                f"{info['video_path']} has {length} frames "
                f"({info['start_frame_id']}..{info['end_frame_id']})"
            )
        return bboxes

    def get_len_per_video(self, video_idx: int) -> int:
        """Number of frames of a video.

        Args:
            video_idx (int): Video index.

        Returns:
            int: ``end_frame_id - start_frame_id + 1``.
        """
        info = self.get_data_info(video_idx)
        return info["end_frame_id"] - info["start_frame_id"] + 1

    def get_visibility_from_video(self, video_idx: int) -> dict:
        """Visibility of the target in each frame (all visible by default).

        Args:
            video_idx (int): Video index.

        Returns:
            dict: ``visible``: ``(N,)`` bool; some benchmarks add
            ``visible_ratio``: ``(N,)`` float in [0, 1].
        """
        return dict(visible=np.ones(self.get_len_per_video(video_idx), dtype=bool))

    def get_img_infos_from_video(self, video_idx: int) -> dict:
        """Frame information of a video.

        Args:
            video_idx (int): Video index.

        Returns:
            dict: ``video_id`` (int), ``frame_ids`` (``(N,)`` int, 0-based),
            ``img_paths`` (list of N str), ``video_length`` (int),
            ``video_name`` (str).
        """
        info = self.get_data_info(video_idx)
        template = info["framename_template"]
        img_dir = osp.join(self.img_root, info["video_path"])
        img_paths = [
            osp.join(img_dir, template % frame)
            for frame in range(info["start_frame_id"], info["end_frame_id"] + 1)
        ]
        return dict(
            video_id=video_idx,
            frame_ids=np.arange(len(img_paths)),
            img_paths=img_paths,
            video_length=len(img_paths),
            video_name=self.get_video_name(video_idx),
        )

    def get_video_name(self, video_idx: int) -> str:
        """Name of a video, as used in result files.

        Args:
            video_idx (int): Video index.

        Returns:
            str: Name of the annotation file without extension when it is
            per-video (``bird1_2.txt``), else the folder holding it.
        """
        info = self.get_data_info(video_idx)
        ann_name = osp.splitext(osp.basename(info["ann_path"]))[0]
        if ann_name.startswith("groundtruth"):
            video_dir = osp.dirname(info["ann_path"])
            suffix = ann_name[len("groundtruth_rect") :].lstrip(".")
            name = osp.basename(video_dir)
            return f"{name}-{suffix}" if suffix else name
        return ann_name

    def get_ann_infos_from_video(self, video_idx: int) -> dict:
        """Annotations of a video, one entry per frame.

        Args:
            video_idx (int): Video index.

        Returns:
            dict: ``bboxes`` ``(N, 4)`` x1y1x2y2 float32 (NaN where the benchmark
            gives no box), ``has_gt`` ``(N,)`` bool (a box is given),
            ``bboxes_isvalid`` ``(N,)`` bool (width and height larger than
            ``bbox_min_size``), ``visible`` ``(N,)`` bool (visible and valid), and
            ``visible_ratio`` where the benchmark has it.
        """
        length = self.get_len_per_video(video_idx)
        xywh = self.get_bboxes_from_video(video_idx)
        bboxes = np.full((length, 4), np.nan, dtype=np.float32)
        bboxes[: len(xywh), :2] = xywh[:, :2]
        bboxes[: len(xywh), 2:] = xywh[:, :2] + xywh[:, 2:4]
        has_gt = np.zeros(length, dtype=bool)
        has_gt[: len(xywh)] = True
        with np.errstate(invalid="ignore"):
            wh = bboxes[:, 2:] - bboxes[:, :2]
            bboxes_isvalid = (wh[:, 0] > self.bbox_min_size) & (wh[:, 1] > self.bbox_min_size)
        visible_info = self.get_visibility_from_video(video_idx)
        visible = np.asarray(visible_info["visible"], dtype=bool)
        if len(visible) != length:
            info = self.get_data_info(video_idx)
            raise ValueError(
                f"{osp.join(self.img_root, info['video_path'])}: visibility labels cover "
                f"{len(visible)} frames but the video has {length}"
            )
        if len(xywh) == length:
            visible = visible & bboxes_isvalid
        visible_info["visible"] = visible
        return dict(bboxes=bboxes, has_gt=has_gt, bboxes_isvalid=bboxes_isvalid, **visible_info)

    def get_video_infos(self, video_idx: int) -> dict:
        """Frame and annotation information of a video in one dict."""
        return dict(
            **self.get_img_infos_from_video(video_idx), **self.get_ann_infos_from_video(video_idx)
        )

    # ----------------------------------------------------------------- indexing
    @property
    def num_videos(self) -> int:
        """Number of videos."""
        return len(self.data_address) if self.serialize_data else len(self.data_list)

    @force_full_init
    def __len__(self) -> int:
        """Number of frames in test mode, of videos in training."""
        if self.test_mode:
            assert self._frame_offsets is not None
            return int(self._frame_offsets[-1])
        return self.num_videos

    @force_full_init
    def frame_index_to_video(self, idx: int) -> tuple[int, int]:
        """Map a flat test-mode frame index to ``(video_idx, frame_idx)``.

        Args:
            idx (int): Flat frame index in ``[0, len(self))``.

        Returns:
            tuple[int, int]: Video index and 0-based frame index in it.
        """
        assert self._frame_offsets is not None, "frame index exists in test mode only"
        total = int(self._frame_offsets[-1])
        if idx < 0:
            idx += total
        if not 0 <= idx < total:
            raise IndexError(f"frame index {idx} out of range for {total} frames")
        video_idx = int(np.searchsorted(self._frame_offsets, idx, side="right") - 1)
        return video_idx, int(idx - self._frame_offsets[video_idx])

    # -------------------------------------------------------------- preparation
    def prepare_test_data(self, video_idx: int, frame_idx: int) -> Any:
        """One test frame through the pipeline.

        The video's annotations are loaded once and kept while its frames are
        read in order.

        Args:
            video_idx (int): Video index.
            frame_idx (int): 0-based frame index in the video.

        Returns:
            Any: Output of the pipeline.
        """
        if self._memo_video_idx != video_idx:
            self._memo_video_infos = self.get_video_infos(video_idx)
            self._memo_video_idx = video_idx
        infos = self._memo_video_infos
        assert infos is not None
        if not 0 <= frame_idx < infos["video_length"]:
            raise IndexError(
                f"frame {frame_idx} out of range for video {video_idx} "
                f"of {infos['video_length']} frames"
            )
        results = dict(
            img_path=infos["img_paths"][frame_idx],
            frame_id=frame_idx,
            video_id=video_idx,
            video_length=infos["video_length"],
            video_name=infos["video_name"],
            img_id=int(self._frame_offsets[video_idx]) + frame_idx
            if self._frame_offsets is not None
            else frame_idx,
        )
        results.update(self._frame_annotations(infos, frame_idx))
        if frame_idx == 0:
            results["init_bbox"] = infos["bboxes"][0].copy()
        return self.pipeline(results)

    def _frame_annotations(self, infos: dict, frame_idx: int) -> dict:
        """Annotation keys of one test frame (see the class docstring)."""
        instance: dict[str, Any] = dict(bbox_label=0, visible=bool(infos["visible"][frame_idx]))
        if infos["has_gt"][frame_idx]:
            bbox = infos["bboxes"][frame_idx].copy()
            instance["bbox"] = bbox
            gt_bboxes = bbox[None]
        else:
            gt_bboxes = np.zeros((0, 4), dtype=np.float32)
        return dict(
            instances=[instance],
            gt_bboxes=gt_bboxes,
            gt_bboxes_labels=np.zeros(len(gt_bboxes), dtype=np.int64),
            visible=instance["visible"],
        )

    def prepare_train_data(self, video_idx: int) -> Any:
        """A training sample from a video and a random other video.

        Args:
            video_idx (int): Index of the video the positive frames come from.

        Returns:
            Any: Output of the pipeline (None when the sampler finds no valid
            frames, so that :class:`BaseDataset` draws another index).
        """
        other_idx = random.randrange(max(self.num_videos - 1, 1))
        if self.num_videos > 1 and other_idx >= video_idx:
            other_idx += 1  # another video than ``video_idx``
        pair_video_infos = [self.get_video_infos(video_idx), self.get_video_infos(other_idx)]
        return self.pipeline(pair_video_infos)

    def prepare_data(self, idx: int | Sequence[int]) -> Any:
        """Item ``idx``: a frame (test mode) or a sample from a video (training).

        Args:
            idx (int | Sequence[int]): Flat index, or ``(video_idx, frame_idx)``
                in test mode.

        Returns:
            Any: Output of the pipeline.
        """
        if self.test_mode:
            if isinstance(idx, Sequence) or (isinstance(idx, np.ndarray) and idx.ndim == 1):
                video_idx, frame_idx = int(idx[0]), int(idx[1])
            else:
                video_idx, frame_idx = self.frame_index_to_video(int(idx))
            return self.prepare_test_data(video_idx, frame_idx)
        return self.prepare_train_data(int(idx))
