"""Atomic writing of drawn frames to a video file or a folder of images."""

from __future__ import annotations

import os
import os.path as osp
import shutil
import tempfile
from types import TracebackType

import cv2
import numpy as np

__all__ = ["FrameWriter", "VIDEO_OUTPUT_EXTENSIONS"]

#: Output names with these extensions are written as a video, others as a folder.
VIDEO_OUTPUT_EXTENSIONS = (".mp4", ".avi", ".mov", ".mkv")


def _output_error(out: str, err: OSError) -> OSError:
    """``err`` reworded to name the output ``out`` (not a temporary file)."""
    reason = err.strerror or str(err)
    error = type(err) if type(err) is not FileExistsError else OSError
    return error(f"cannot write output {out}: {reason}")


class FrameWriter:
    """Write frames to a video (``.mp4``, ...) or a folder, all or nothing.

    Frames go to a temporary file or folder beside the output, which is
    renamed to the output by :meth:`close`; :meth:`abort` (also called when
    the ``with`` block raises) deletes it, so a failed run leaves no
    half-written output. A folder output that already exists receives the new
    frames (each moved in by an atomic rename) and keeps its other files.

    Args:
        out: output path; a video when it ends with one of
            :data:`VIDEO_OUTPUT_EXTENSIONS`, else a folder.
        fps: frame rate of a video output. Defaults to 30.
        fourcc: four-character code of the video codec. Defaults to ``'mp4v'``.

    Raises:
        ValueError: ``fps`` is not positive or ``fourcc`` is not 4 characters.

    Examples:
        >>> with FrameWriter('out.mp4', fps=10) as writer:  # doctest: +SKIP
        ...     writer.write(frame)  # (H, W, 3) BGR uint8
    """

    def __init__(self, out: str | os.PathLike, fps: float = 30.0, fourcc: str = "mp4v") -> None:
        self.out = osp.abspath(os.fspath(out))
        if not fps or fps <= 0:
            raise ValueError(f"fps must be positive, got {fps}")
        if len(fourcc) != 4:
            raise ValueError(f"fourcc must be 4 characters (e.g. 'mp4v'), got {fourcc!r}")
        self.fps = float(fps)
        self.fourcc = fourcc
        self.is_video = self.out.lower().endswith(VIDEO_OUTPUT_EXTENSIONS)
        if osp.isdir(self.out) and self.is_video:
            raise ValueError(f"output {self.out} is a folder, not a video file name")
        if not self.is_video and osp.isfile(self.out):
            raise ValueError(f"output folder {self.out} is an existing file")
        parent = osp.dirname(self.out)
        above = parent
        while not osp.exists(above):
            above = osp.dirname(above)
        if not osp.isdir(above):
            raise NotADirectoryError(f"cannot write output {self.out}: {above} is a file")
        try:
            os.makedirs(parent, exist_ok=True)
            self._tmp_dir = tempfile.mkdtemp(prefix=f".{osp.basename(self.out)}.tmp-", dir=parent)
        except OSError as e:  # name the output, not the temporary folder beside it
            raise _output_error(self.out, e) from None
        # mkdtemp makes a private (0700) folder; a folder output gets the usual mode.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(self._tmp_dir, 0o777 & ~umask)
        ext = osp.splitext(self.out)[1]
        self._tmp_video = osp.join(self._tmp_dir, f"video{ext}") if self.is_video else None
        self._writer: cv2.VideoWriter | None = None
        self._size: tuple[int, int] | None = None
        self.num_frames = 0
        self._done = False

    def write(self, frame: np.ndarray, name: str | None = None) -> None:
        """Add one ``(H, W, 3)`` BGR uint8 frame.

        Args:
            frame: the image; every frame of a video must have the same size.
            name: file name in a folder output. Defaults to ``{index:06d}.jpg``.

        Raises:
            RuntimeError: the video writer cannot be opened (unknown codec or
                container), or the writer was closed.
            ValueError: a frame of another size than the first, or an image
                that cannot be encoded.
        """
        if self._done:
            raise RuntimeError(f"FrameWriter for {self.out} is closed")
        h, w = frame.shape[:2]
        if self.is_video:
            if self._writer is None:
                code = cv2.VideoWriter_fourcc(*self.fourcc)
                self._writer = cv2.VideoWriter(self._tmp_video, code, self.fps, (w, h))
                if not self._writer.isOpened():
                    self._writer = None
                    raise RuntimeError(
                        f"cannot write video {self.out}: OpenCV could not open a writer with "
                        f"codec '{self.fourcc}' for a '{osp.splitext(self.out)[1]}' file"
                    )
                self._size = (w, h)
            elif (w, h) != self._size:
                raise ValueError(
                    f"frame {self.num_frames} is {w}x{h} but the video {self.out} "
                    f"is {self._size[0]}x{self._size[1]}"
                )
            self._writer.write(np.ascontiguousarray(frame, dtype=np.uint8))
        else:
            name = name or f"{self.num_frames:06d}.jpg"
            if osp.basename(name) != name:
                raise ValueError(f"frame name must be a file name, got {name!r}")
            file = osp.join(self._tmp_dir, name)
            try:
                written = cv2.imwrite(file, frame)
            except cv2.error:
                written = False
            if not written:
                raise ValueError(
                    f"cannot encode frame {name} for {self.out} (an image extension OpenCV "
                    "writes is needed, e.g. .jpg or .png)"
                )
        self.num_frames += 1

    def close(self) -> str:
        """Finish: move the temporary output to ``out`` and return ``out``.

        Raises:
            RuntimeError: no frame was written (nothing is created).
        """
        if self._done:
            return self.out
        if self.num_frames == 0:
            self.abort()
            raise RuntimeError(f"no frame was written; {self.out} not created")
        try:
            if self.is_video:
                assert self._writer is not None
                self._writer.release()
                self._writer = None
                os.replace(self._tmp_video, self.out)
                shutil.rmtree(self._tmp_dir, ignore_errors=True)
            elif not osp.exists(self.out):
                os.replace(self._tmp_dir, self.out)
            else:
                for name in sorted(os.listdir(self._tmp_dir)):
                    os.replace(osp.join(self._tmp_dir, name), osp.join(self.out, name))
                shutil.rmtree(self._tmp_dir, ignore_errors=True)
        except OSError as e:
            self.abort()
            raise _output_error(self.out, e) from None
        self._done = True
        return self.out

    def abort(self) -> None:
        """Drop everything written so far."""
        if self._writer is not None:
            self._writer.release()
            self._writer = None
        shutil.rmtree(self._tmp_dir, ignore_errors=True)
        self._done = True

    def __enter__(self) -> FrameWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()
