"""mmtrack.apis.video: VideoFrames and track_video."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from mmtrack.apis import VideoFrames, init_model, track_video
from tests.helpers.apis import draw_clip, tiny_config


def write_video(path, frames, fps=10.0):
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
    assert writer.isOpened()
    for f in frames:
        writer.write(f)
    writer.release()


def test_folder_is_read_in_natural_order(tmp_path):
    # frame k is filled with value 10 * k; names sort wrongly as plain strings
    for k in [1, 2, 10, 11, 3]:
        cv2.imwrite(str(tmp_path / f"{k}.png"), np.full((4, 6, 3), 10 * k, np.uint8))
    (tmp_path / "notes.txt").write_text("not a frame")
    (tmp_path / "sub.jpg").mkdir()  # a folder named like a frame is not a frame
    frames = VideoFrames(tmp_path)
    assert not frames.is_video and frames.fps is None and len(frames) == 5
    assert frames.names == ["1.png", "2.png", "3.png", "10.png", "11.png"]
    values = [int(img[0, 0, 0]) for _, img in frames]
    assert values == [10, 20, 30, 100, 110]


def test_video_file_frames_and_fps(tmp_path):
    clip = [np.full((32, 48, 3), 25 * k, np.uint8) for k in range(7)]
    write_video(tmp_path / "v.mp4", clip, fps=12.0)
    frames = VideoFrames(str(tmp_path / "v.mp4"))
    assert frames.is_video and frames.fps == 12.0 and len(frames) == 7
    assert frames.names[:2] == ["000000.jpg", "000001.jpg"]
    decoded = [img for _, img in frames]
    assert len(decoded) == 7 and decoded[0].shape == (32, 48, 3)
    # lossy codec (and YUV range conversion): grey levels come back in order, within 6
    means = [float(img.mean()) for img in decoded]
    assert means == sorted(means)
    assert max(abs(m - 25 * k) for k, m in enumerate(means)) <= 6


def test_bad_inputs(tmp_path):
    with pytest.raises(FileNotFoundError, match="input not found"):
        VideoFrames(tmp_path / "nope.mp4")
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "readme.txt").write_text("x")
    with pytest.raises(ValueError, match="holds no frame"):
        VideoFrames(tmp_path / "empty")
    (tmp_path / "clip.xyz").write_bytes(b"\x00" * 10)
    with pytest.raises(ValueError, match="unknown extension '.xyz'"):
        VideoFrames(tmp_path / "clip.xyz")
    (tmp_path / "broken.mp4").write_bytes(b"garbage, not a video")
    with pytest.raises(ValueError, match="broken.mp4"):
        VideoFrames(tmp_path / "broken.mp4")
    (tmp_path / "frames").mkdir()
    (tmp_path / "frames" / "1.jpg").write_bytes(b"not a jpeg")
    with pytest.raises(ValueError, match="cannot decode frame"):
        list(VideoFrames(tmp_path / "frames"))


def test_track_video_mot_and_sot(tmp_path):
    boxes = np.zeros((6, 2, 4))
    for t in range(6):
        boxes[t, 0] = [10 + 4 * t, 10, 30 + 4 * t, 40]
        boxes[t, 1] = [90, 50 + t, 110, 80 + t]
    clip = draw_clip(boxes, (96, 128))
    for i, f in enumerate(clip):
        cv2.imwrite(str(tmp_path / f"{i:03d}.png"), f)
    mot = init_model(tiny_config("mot", scale=None), device="cpu")
    out = list(track_video(mot, tmp_path, task="mot"))
    assert [i for i, _, _ in out] == list(range(6))
    for i, img, result in out:
        assert np.array_equal(img, clip[i])
        assert result[0].metainfo["video_length"] == 6
        assert len(set(result[0].pred_track_instances.instances_id.tolist())) == 2
    first = out[0][2][0].pred_track_instances
    first_ids = {tuple(b): k for k, b in zip(first.instances_id.tolist(), first.bboxes.tolist())}
    id_obj0 = first_ids[tuple(boxes[0, 0].tolist())]
    for i, _, result in out:  # full-size input: the boxes are exact
        pred = result[0].pred_track_instances
        k = pred.instances_id.tolist().index(id_obj0)
        np.testing.assert_allclose(pred.bboxes[k].numpy(), boxes[i, 0])

    sot = init_model(tiny_config("sot"), device="cpu")
    res = list(track_video(sot, VideoFrames(tmp_path), task="sot", init_bbox=boxes[0, 1]))
    np.testing.assert_allclose(res[-1][2][0].pred_track_instances.bboxes[0].numpy(), boxes[5, 1])
    with pytest.raises(ValueError, match="needs init_bbox"):
        next(track_video(sot, tmp_path, task="sot"))
    with pytest.raises(ValueError, match="task must be"):
        next(track_video(sot, tmp_path, task="det"))
