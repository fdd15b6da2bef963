"""TrackVisualizationHook: which frames are drawn, with what, and where they are saved."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import cv2
import numpy as np
import pytest

from mmtrack.engine.hooks import TrackVisualizationHook
from mmtrack.registry import HOOKS
from mmtrack.structures import DetDataSample, TrackDataSample


class RecordingVisualizer:
    """Stands in for TrackLocalVisualizer: records add_datasample calls."""

    def __init__(self) -> None:
        self.calls: list[dict] = []
        self._vis_backends = {"local": object()}

    def add_datasample(self, name, image, data_sample=None, draw_gt=True, draw_pred=True,
                       show=False, wait_time=0.0, out_file=None, pred_score_thr=0.3, step=0):
        self.calls.append(dict(name=name, image=image, data_sample=data_sample, draw_gt=draw_gt,
                               show=show, wait_time=wait_time, out_file=out_file,
                               pred_score_thr=pred_score_thr, step=step))


class TooOldVisualizer:
    def add_datasample(self, name, image, data_sample=None, draw_gt=True, step=0):
        pass


def _video(tmp_path: Path, num_frames: int) -> list[TrackDataSample]:
    """One single-frame TrackDataSample per frame of a video 'seq1' (frame i is filled with i)."""
    video_dir = tmp_path / "seq1"
    video_dir.mkdir()
    outputs = []
    for i in range(num_frames):
        path = video_dir / f"{i:06d}.png"
        cv2.imwrite(str(path), np.full((4, 6, 3), i * 10, dtype=np.uint8))
        frame = DetDataSample(metainfo=dict(img_path=str(path), frame_id=i))
        sample = TrackDataSample()
        sample.video_data_samples = [frame]
        outputs.append(sample)
    return outputs


def _runner(tmp_path: Path, visualizer) -> SimpleNamespace:
    return SimpleNamespace(visualizer=visualizer, work_dir=str(tmp_path / "wd"),
                           timestamp="20240101_000000", iter=7)


def test_draws_every_interval_frame_when_testing(tmp_path: Path) -> None:
    vis = RecordingVisualizer()
    hook = HOOKS.build(dict(type="TrackVisualizationHook", draw=True, interval=2, score_thr=0.5,
                            test_out_dir="show"))
    runner = _runner(tmp_path, vis)
    hook.before_run(runner)
    for batch_idx, sample in enumerate(_video(tmp_path, 5)):
        hook.after_test_iter(runner, batch_idx, None, [sample])
    assert [c["data_sample"].frame_id for c in vis.calls] == [0, 2, 4]
    assert [c["step"] for c in vis.calls] == [0, 2, 4]
    for call in vis.calls:
        frame_id = call["data_sample"].frame_id
        assert call["image"].shape == (4, 6, 3)
        assert (call["image"] == frame_id * 10).all()
        assert call["draw_gt"] is False and call["show"] is False
        assert call["pred_score_thr"] == 0.5 and call["name"] == "test_img"
        expected = tmp_path / "wd" / "20240101_000000" / "show" / "seq1" / f"{frame_id:06d}.png"
        assert call["out_file"] == str(expected)
        assert expected.parent.is_dir()


def test_val_uses_backends_and_global_step(tmp_path: Path) -> None:
    vis = RecordingVisualizer()
    hook = TrackVisualizationHook(draw=True, interval=3)
    runner = _runner(tmp_path, vis)
    hook.before_run(runner)
    clip = TrackDataSample()
    clip.video_data_samples = [s[0] for s in _video(tmp_path, 4)]  # one 4-frame clip
    hook.after_val_iter(runner, 1, None, [clip])
    assert [c["data_sample"].frame_id for c in vis.calls] == [0, 3]
    assert all(c["out_file"] is None and c["step"] == 8 for c in vis.calls)  # iter 7 + batch 1
    assert vis._vis_backends  # kept: backends store the images


def test_show_drops_backends_and_names_by_file(tmp_path: Path) -> None:
    vis = RecordingVisualizer()
    hook = TrackVisualizationHook(draw=True, interval=1, show=True, wait_time=0.25)
    runner = _runner(tmp_path, vis)
    hook.before_run(runner)
    hook.after_test_iter(runner, 0, None, _video(tmp_path, 1))
    assert vis._vis_backends == {}
    assert vis.calls[0]["show"] is True and vis.calls[0]["wait_time"] == 0.25
    assert vis.calls[0]["name"] == "000000.png"


def test_draw_false_does_nothing(tmp_path: Path) -> None:
    vis = RecordingVisualizer()
    hook = TrackVisualizationHook()
    runner = _runner(tmp_path, vis)
    hook.before_run(runner)
    hook.after_test_iter(runner, 0, None, _video(tmp_path, 1))
    assert vis.calls == []


def test_incompatible_visualizer_and_bad_interval(tmp_path: Path) -> None:
    hook = TrackVisualizationHook(draw=True)
    with pytest.raises(TypeError, match=r"lacks \['out_file', 'pred_score_thr'\]"):
        hook.before_run(_runner(tmp_path, TooOldVisualizer()))
    with pytest.raises(ValueError, match="interval must be >= 1"):
        TrackVisualizationHook(interval=0)
