"""FrameWriter (the demos' --output) names the output in its errors, never its temporary files."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from mmtrack.visualization import frame_writer
from mmtrack.visualization.frame_writer import FrameWriter

FRAME = np.zeros((8, 8, 3), np.uint8)


def test_parent_is_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    out = blocker / "sub" / "out.mp4"
    with pytest.raises(NotADirectoryError) as exc:
        FrameWriter(out)
    assert str(exc.value) == f"cannot write output {out}: {blocker} is a file"


def test_unwritable_folder_names_the_output(tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "out.mp4"

    def refuse(prefix: str, dir: str) -> str:  # what mkdtemp raises in a read-only folder
        raise PermissionError(13, "Permission denied", os.path.join(dir, f"{prefix}abc123"))

    monkeypatch.setattr(frame_writer.tempfile, "mkdtemp", refuse)
    with pytest.raises(PermissionError) as exc:
        FrameWriter(out)
    assert str(exc.value) == f"cannot write output {out}: Permission denied"
    assert ".tmp-" not in str(exc.value)


def test_failed_move_names_the_output_and_leaves_nothing(tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "frames"
    writer = FrameWriter(out)
    writer.write(FRAME, "000000.jpg")

    def refuse(src: str, dst: str) -> None:
        raise PermissionError(13, "Permission denied", src, dst)

    monkeypatch.setattr(frame_writer.os, "replace", refuse)
    with pytest.raises(PermissionError) as exc:
        writer.close()
    assert str(exc.value) == f"cannot write output {out}: Permission denied"
    assert list(tmp_path.iterdir()) == []  # the temporary folder is gone too


def test_unknown_frame_extension(tmp_path: Path) -> None:
    out = tmp_path / "frames"
    writer = FrameWriter(out)
    with pytest.raises(ValueError, match=f"cannot encode frame a.xyz for {out} "
                                         r"\(an image extension OpenCV writes"):
        writer.write(FRAME, "a.xyz")
    writer.abort()
    assert list(tmp_path.iterdir()) == []
