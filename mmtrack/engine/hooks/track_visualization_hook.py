"""Draw tracking predictions during validation and testing."""

from __future__ import annotations

import inspect
import os.path as osp
from collections.abc import Sequence
from typing import Any

import mmcv
from mmengine.fileio import get
from mmengine.hooks import Hook
from mmengine.utils import mkdir_or_exist
from mmengine.visualization import Visualizer

from mmtrack.registry import HOOKS

__all__ = ["TrackVisualizationHook"]

_NEEDED_PARAMS = ("data_sample", "out_file", "pred_score_thr")


@HOOKS.register_module()
class TrackVisualizationHook(Hook):
    """Draw the predictions of every ``interval``-th frame with the current visualizer.

    Outputs of the val/test step are ``TrackDataSample``s (one per video clip;
    one frame each for MOT/VIS testing). Frame ``f`` of a video is drawn when
    ``frame_id % interval == 0``. The image is read from the frame's
    ``img_path`` and passed, with the frame's ``DetDataSample``, to
    ``visualizer.add_datasample(name, image, data_sample=..., draw_gt=False,
    show=..., wait_time=..., pred_score_thr=..., out_file=..., step=...)``
    (the ``TrackLocalVisualizer`` interface).

    * ``show=True`` displays the frames (vis backends are dropped, nothing is
      stored);
    * ``test_out_dir`` saves them as ``work_dir/<timestamp>/<test_out_dir>/<video>/<frame>``;
    * otherwise the visualizer's backends store them.

    Args:
        draw: whether to draw at all. Defaults to False.
        interval: draw every ``interval``-th frame. Defaults to 30.
        score_thr: score threshold of drawn boxes and masks. Defaults to 0.3.
        show: display the drawn frames. Defaults to False.
        wait_time: seconds each shown frame stays up. Defaults to 0.
        test_out_dir: folder (under the run's folder) for the drawn test frames.
            Defaults to None.
        backend_args: file-backend arguments for reading images. Defaults to None.
    """

    def __init__(
        self,
        draw: bool = False,
        interval: int = 30,
        score_thr: float = 0.3,
        show: bool = False,
        wait_time: float = 0.0,
        test_out_dir: str | None = None,
        backend_args: dict | None = None,
    ) -> None:
        if interval < 1:
            raise ValueError(f"TrackVisualizationHook: interval must be >= 1, got {interval}")
        self.draw = draw
        self.interval = interval
        self.score_thr = score_thr
        self.show = show
        self.wait_time = wait_time
        self.test_out_dir = test_out_dir
        self.backend_args = backend_args
        self._visualizer: Visualizer | None = None

    def before_run(self, runner: Any) -> None:
        """Pick up the runner's visualizer and check that it can draw samples."""
        if not self.draw:
            return
        self._visualizer = runner.visualizer
        params = inspect.signature(self._visualizer.add_datasample).parameters
        missing = [p for p in _NEEDED_PARAMS if p not in params]
        if missing:
            raise TypeError(
                f"TrackVisualizationHook(draw=True) needs a visualizer whose add_datasample "
                f"accepts {list(_NEEDED_PARAMS)}; {type(self._visualizer).__name__} lacks "
                f"{missing}. Set visualizer=dict(type='TrackLocalVisualizer', ...) in the config."
            )
        if self.show:
            # Only display: storing through the vis backends is not wanted.
            self._visualizer._vis_backends = {}

    def _frames(self, outputs: Sequence[Any]) -> list[Any]:
        frames = []
        for sample in outputs:
            if hasattr(sample, "video_data_samples"):
                frames.extend(sample.video_data_samples)
            else:
                frames.append(sample)
        return [f for f in frames if int(f.metainfo.get("frame_id", 0)) % self.interval == 0]

    def _draw(self, frames: list[Any], step: int, out_dir: str | None, tag: str) -> None:
        assert self._visualizer is not None
        for frame in frames:
            img_path = frame.metainfo["img_path"]
            img_bytes = get(img_path, backend_args=self.backend_args)
            img = mmcv.imfrombytes(img_bytes, channel_order="rgb")
            video = osp.basename(osp.dirname(img_path))
            out_file = None
            if out_dir is not None:
                out_file = osp.join(out_dir, video, osp.basename(img_path))
                mkdir_or_exist(osp.dirname(out_file))
            self._visualizer.add_datasample(
                osp.basename(img_path) if self.show else tag,
                img,
                data_sample=frame,
                draw_gt=False,
                show=self.show,
                wait_time=self.wait_time,
                pred_score_thr=self.score_thr,
                out_file=out_file,
                step=step,
            )

    def after_val_iter(
        self, runner: Any, batch_idx: int, data_batch: Any = None, outputs: Sequence | None = None
    ) -> None:
        """Draw the selected frames of this validation batch."""
        if self.draw and outputs:
            self._draw(self._frames(outputs), runner.iter + batch_idx, None, "val_img")

    def after_test_iter(
        self, runner: Any, batch_idx: int, data_batch: Any = None, outputs: Sequence | None = None
    ) -> None:
        """Draw (and, with ``test_out_dir``, save) the selected frames of this test batch."""
        if not (self.draw and outputs):
            return
        out_dir = None
        if self.test_out_dir is not None:
            out_dir = osp.join(runner.work_dir, runner.timestamp, self.test_out_dir)
        self._draw(self._frames(outputs), batch_idx, out_dir, "test_img")
