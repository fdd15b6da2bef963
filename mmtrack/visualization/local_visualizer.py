"""Visualizer of tracking and detection results."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import cv2
import numpy as np
import torch
from mmengine.visualization import Visualizer

from mmtrack.registry import VISUALIZERS

from .draw import draw_instances


def _np(x: Any) -> np.ndarray:
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


@VISUALIZERS.register_module()
class TrackLocalVisualizer(Visualizer):
    """Draw ground truth and predictions of one frame (tracks, detections, masks).

    Predictions are taken from ``pred_track_instances`` (MOT/VIS: boxes
    coloured by id) or, when absent, ``pred_instances`` (VID/detection:
    coloured by class). Drawing uses OpenCV; the result goes to the
    visualizer's backends, to ``out_file``, and/or to a window.

    Args:
        name: instance name. Defaults to ``'visualizer'``.
        vis_backends: backend configs. Defaults to None.
        save_dir: folder for the backends. Defaults to None.
        line_width: box line width. Defaults to 2.
        alpha: unused (masks are blended 50 %), kept for config compatibility.
        class_names: names of the classes. Defaults to None (the dataset's
            ``classes`` from ``dataset_meta`` when set).
    """

    def __init__(
        self,
        name: str = "visualizer",
        vis_backends: list[dict] | None = None,
        save_dir: str | None = None,
        line_width: int = 2,
        alpha: float = 0.8,
        class_names: Sequence[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name, vis_backends=vis_backends, save_dir=save_dir, **kwargs)
        self.line_width = line_width
        self.alpha = alpha
        self.class_names = class_names

    def _names(self) -> Sequence[str] | None:
        if self.class_names is not None:
            return self.class_names
        meta = getattr(self, "dataset_meta", None) or {}
        return meta.get("classes")

    def draw_frame(
        self,
        image: np.ndarray,
        instances: Any,
        with_ids: bool,
        score_thr: float = 0.0,
    ) -> np.ndarray:
        """Draw one ``InstanceData`` on a BGR image and return it."""
        if instances is None or len(instances) == 0:
            return draw_instances(image, np.zeros((0, 4)), class_names=self._names())
        bboxes = _np(instances.bboxes)
        keep = np.ones(len(bboxes), dtype=bool)
        scores = _np(instances.scores) if "scores" in instances else None
        if scores is not None:
            keep = scores >= score_thr
        labels = _np(instances.labels)[keep] if "labels" in instances else None
        ids = (
            _np(instances.instances_id)[keep] if with_ids and "instances_id" in instances else None
        )
        masks = None
        if "masks" in instances:
            masks = _np(instances.masks)[keep]
        return draw_instances(
            image,
            bboxes[keep],
            labels,
            None if scores is None else scores[keep],
            ids,
            masks,
            self._names(),
            thickness=self.line_width,
        )

    def add_datasample(
        self,
        name: str,
        image: np.ndarray,
        data_sample: Any = None,
        draw_gt: bool = True,
        draw_pred: bool = True,
        show: bool = False,
        wait_time: float = 0.0,
        out_file: str | None = None,
        pred_score_thr: float = 0.3,
        step: int = 0,
    ) -> np.ndarray:
        """Draw a frame's ground truth and/or predictions.

        Args:
            name: image identifier for the backends.
            image: ``(H, W, 3)`` image, RGB (OpenMMLab convention of this method).
            data_sample: the frame's ``DetDataSample``. Defaults to None.
            draw_gt: draw ``gt_instances`` (left panel when both are drawn).
            draw_pred: draw predictions.
            show: display the result in a window.
            wait_time: seconds to show it.
            out_file: write the drawing (BGR file) here.
            pred_score_thr: minimum score of drawn predictions.
            step: global step for the backends.

        Returns:
            The drawn RGB image (panels side by side when both are drawn).
        """
        bgr = np.ascontiguousarray(image[..., ::-1])
        panels = []
        if data_sample is not None and draw_gt and "gt_instances" in data_sample:
            panels.append(self.draw_frame(bgr, data_sample.gt_instances, with_ids=True))
        if data_sample is not None and draw_pred:
            if "pred_track_instances" in data_sample:
                inst, with_ids = data_sample.pred_track_instances, True
            elif "pred_instances" in data_sample:
                inst, with_ids = data_sample.pred_instances, False
            else:
                inst, with_ids = None, False
            panels.append(self.draw_frame(bgr, inst, with_ids, pred_score_thr))
        drawn = np.concatenate(panels, axis=1) if panels else bgr
        rgb = np.ascontiguousarray(drawn[..., ::-1])
        if show:
            self.show(rgb, win_name=name, wait_time=wait_time)
        if out_file is not None:
            cv2.imwrite(out_file, drawn)
        else:
            self.add_image(name, rgb, step)
        return rgb
