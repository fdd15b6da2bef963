"""Reading a whole video (a file or a folder of frames) and running a model over it."""

from __future__ import annotations

import os
import os.path as osp
import re
from collections.abc import Iterator
from typing import Any, Union

import cv2
import numpy as np
from torch import nn

from .inference import inference_mot, inference_sot, inference_vid

__all__ = ["FRAME_EXTENSIONS", "VIDEO_EXTENSIONS", "VideoFrames", "track_video"]

#: Image files read from a folder of frames (MMTracking reads these three).
FRAME_EXTENSIONS = (".jpg", ".jpeg", ".png")
#: Video containers opened with OpenCV.
VIDEO_EXTENSIONS = (
    ".mp4",
    ".avi",
    ".mov",
    ".mkv",
    ".webm",
    ".m4v",
    ".mpg",
    ".mpeg",
    ".wmv",
    ".flv",
)


def _natural_key(name: str) -> list[Any]:
    """Sort key ordering ``2.jpg`` before ``10.jpg`` (numbers compared as numbers)."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", name)]


class VideoFrames:
    """The frames of a video file or of a folder of images, in order.

    A folder is read in natural order of the file names (``2.jpg`` before
    ``10.jpg``); only ``.jpg``, ``.jpeg`` and ``.png`` files are frames. A video
    file is decoded with OpenCV.

    Args:
        path: a video file (one of :data:`VIDEO_EXTENSIONS`) or a folder.

    Attributes:
        path: the input path.
        is_video: True for a video file.
        fps: the video's frame rate (None for a folder, or when the file has none).
        names: frame names: the file names of a folder, ``000000.jpg``,
            ``000001.jpg``... for a video.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: an empty folder, a file with another extension, or a
            video OpenCV cannot open or decode.

    Examples:
        >>> frames = VideoFrames('demo/demo.mp4')  # doctest: +SKIP
        >>> for name, img in frames:  # (H, W, 3) BGR uint8  # doctest: +SKIP
        ...     pass
    """

    def __init__(self, path: Union[str, os.PathLike]) -> None:
        self.path = os.fspath(path)
        if not osp.exists(self.path):
            raise FileNotFoundError(f"input not found: {self.path}")
        self.fps: float | None = None
        if osp.isdir(self.path):
            self.is_video = False
            files = [
                f
                for f in os.listdir(self.path)
                if f.lower().endswith(FRAME_EXTENSIONS) and osp.isfile(osp.join(self.path, f))
            ]
            if not files:
                raise ValueError(
                    f"input folder {self.path} holds no frame "
                    f"(no {'/'.join(FRAME_EXTENSIONS)} file)"
                )
            self.names = sorted(files, key=_natural_key)
            return
        self.is_video = True
        ext = osp.splitext(self.path)[1].lower()
        if ext not in VIDEO_EXTENSIONS:
            raise ValueError(
                f"input {self.path}: unknown extension '{ext}'; give a video "
                f"({', '.join(VIDEO_EXTENSIONS)}) or a folder of "
                f"{'/'.join(FRAME_EXTENSIONS)} frames"
            )
        cap = cv2.VideoCapture(self.path)
        try:
            if not cap.isOpened():
                raise ValueError(f"cannot open video {self.path} (unreadable or unknown codec)")
            ok, _ = cap.read()
            if not ok:
                raise ValueError(f"video {self.path} has no frame OpenCV can decode")
            fps = cap.get(cv2.CAP_PROP_FPS)
            self.fps = float(fps) if fps and fps > 0 and np.isfinite(fps) else None
            count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        finally:
            cap.release()
        if count <= 0:  # some containers do not store the count: decode to count
            count = sum(1 for _ in self._decode())
        self.names = [f"{i:06d}.jpg" for i in range(count)]

    def __len__(self) -> int:
        return len(self.names)

    def _decode(self) -> Iterator[np.ndarray]:
        cap = cv2.VideoCapture(self.path)
        try:
            while True:
                ok, frame = cap.read()
                if not ok:
                    return
                yield frame
        finally:
            cap.release()

    def __iter__(self) -> Iterator[tuple[str, np.ndarray]]:
        """Yield ``(name, image)`` with ``(H, W, 3)`` BGR uint8 images.

        Raises:
            ValueError: a frame file of the folder cannot be decoded.
        """
        if self.is_video:
            # The container's frame count may be off by a few: trust the decoder.
            for i, frame in enumerate(self._decode()):
                yield (self.names[i] if i < len(self.names) else f"{i:06d}.jpg"), frame
            return
        for name in self.names:
            file = osp.join(self.path, name)
            img = cv2.imread(file, cv2.IMREAD_COLOR)
            if img is None:
                raise ValueError(f"cannot decode frame {file}")
            yield name, img


def track_video(
    model: nn.Module,
    video_or_dir: Union[str, os.PathLike, VideoFrames],
    task: str = "mot",
    init_bbox: Any = None,
    ref_img_sampler: dict | None = None,
) -> Iterator[tuple[int, np.ndarray, Any]]:
    """Run a model over every frame of a video, in order.

    Args:
        model: model from :func:`~mmtrack.apis.init_model`.
        video_or_dir: a video file, a folder of frames, or :class:`VideoFrames`.
        task: ``'mot'`` (also VIS), ``'sot'`` or ``'vid'``. Defaults to ``'mot'``.
        init_bbox: SOT only: the target in the first frame, ``(4,)`` x1y1x2y2.
        ref_img_sampler: VID only: see :func:`~mmtrack.apis.inference_vid`.

    Yields:
        ``(frame_index, image, result)``: the 0-based index, the ``(H, W, 3)``
        BGR frame and the :class:`TrackDataSample` the inference function
        returned for it.

    Raises:
        ValueError: an unknown task, a SOT run without ``init_bbox``, or a bad
            input (see :class:`VideoFrames`).
    """
    if task not in ("mot", "vis", "sot", "vid"):
        raise ValueError(f"task must be 'mot', 'vis', 'sot' or 'vid', got {task!r}")
    if task == "sot" and init_bbox is None:
        raise ValueError("task 'sot' needs init_bbox, the target in the first frame (x1y1x2y2)")
    frames = video_or_dir if isinstance(video_or_dir, VideoFrames) else VideoFrames(video_or_dir)
    num = len(frames)
    for i, (_, img) in enumerate(frames):
        if task in ("mot", "vis"):
            result = inference_mot(model, img, frame_id=i, video_len=num)
        elif task == "sot":
            result = inference_sot(model, img, init_bbox, frame_id=i)
        else:
            result = inference_vid(model, img, frame_id=i, ref_img_sampler=ref_img_sampler)
        yield i, img, result
