"""Motion blur and partial occlusion of some frames of a synthetic video."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

#: Colour of the occluders (BGR): flat mid grey, unlike any object sprite.
OCCLUDER_COLOUR = (128, 128, 128)


@dataclass(frozen=True)
class FrameDegradation:
    """Degrade frame ``t`` when ``t % every == every - 1`` (every ``every``-th frame).

    A degraded frame is first blurred along the x axis (a ``blur_size`` px
    box filter: the streak of a fast horizontal camera pan), then the left
    ``occlude_fraction`` of every object box (full height, the width rounded
    to whole pixels) is painted :data:`OCCLUDER_COLOUR`, as if a pole stood
    in front of it. Ground-truth boxes stay those of the whole object, so a
    detector has to find the object behind the blur and the occluder; the
    other frames are untouched. Degrading draws no random numbers: a video
    with and without degradation has the same objects and motion.

    Args:
        every: period in frames (``>= 2``; frames ``every-1, 2*every-1, ...``).
        blur_size: box-filter length in pixels (``>= 1``, 1: no blur). Defaults to 9.
        occlude_fraction: covered fraction of each box width in ``[0, 1)``. Defaults to 0.5.
    """

    every: int
    blur_size: int = 9
    occlude_fraction: float = 0.5

    def __post_init__(self) -> None:
        if int(self.every) != self.every or self.every < 2:
            raise ValueError(f"FrameDegradation: every must be an integer >= 2, got {self.every}")
        if int(self.blur_size) != self.blur_size or self.blur_size < 1:
            raise ValueError(
                f"FrameDegradation: blur_size must be an integer >= 1, got {self.blur_size}"
            )
        if not 0.0 <= self.occlude_fraction < 1.0:
            raise ValueError(
                f"FrameDegradation: occlude_fraction must be in [0, 1), got {self.occlude_fraction}"
            )

    def applies(self, frame_index: int) -> bool:
        """Whether frame ``frame_index`` (0-based) is degraded."""
        return frame_index % self.every == self.every - 1

    def occluder_boxes(self, boxes: np.ndarray) -> np.ndarray:
        """``(N, 4)`` integer x1y1x2y2 occluders of ``(N, 4)`` x1y1x2y2 object boxes."""
        boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
        x1 = np.floor(boxes[:, 0])
        y1 = np.floor(boxes[:, 1])
        y2 = np.ceil(boxes[:, 3])
        width = np.ceil(boxes[:, 2]) - x1
        x2 = x1 + np.round(width * self.occlude_fraction)
        return np.stack([x1, y1, x2, y2], axis=1).astype(np.int64)

    def __call__(self, image: np.ndarray, boxes: np.ndarray) -> np.ndarray:
        """The degraded copy of one frame.

        Args:
            image: ``(H, W, 3)`` uint8 BGR frame.
            boxes: ``(N, 4)`` x1y1x2y2 pixel boxes of the visible objects.

        Returns:
            ``(H, W, 3)`` uint8 blurred frame with the occluders painted in.
        """
        out = image.copy()
        if self.blur_size > 1:
            out = cv2.blur(out, (self.blur_size, 1), borderType=cv2.BORDER_REFLECT)
        h, w = out.shape[:2]
        for x1, y1, x2, y2 in np.clip(self.occluder_boxes(boxes), 0, [w, h, w, h]):
            out[y1:y2, x1:x2] = OCCLUDER_COLOUR
        return out
