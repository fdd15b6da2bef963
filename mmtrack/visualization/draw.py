"""OpenCV drawing of tracked instances (boxes, ids, masks, legend)."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from .palette import id_color


def draw_instances(
    image: np.ndarray,
    bboxes: np.ndarray,
    labels: np.ndarray | None = None,
    scores: np.ndarray | None = None,
    ids: np.ndarray | None = None,
    masks: np.ndarray | None = None,
    class_names: Sequence[str] | None = None,
    thickness: int = 2,
    font_scale: float = 0.5,
    color: tuple[int, int, int] | None = None,
    legend: bool = True,
) -> np.ndarray:
    """Draw instances on a copy of a BGR image.

    Args:
        image: ``(H, W, 3)`` uint8 BGR image.
        bboxes: ``(N, 4)`` x1y1x2y2 boxes in pixels.
        labels: ``(N,)`` class indices. Defaults to None.
        scores: ``(N,)`` scores shown after the label. Defaults to None.
        ids: ``(N,)`` track ids; boxes are coloured by id when given, else by class.
        masks: ``(N, H, W)`` boolean masks blended into the image. Defaults to None.
        class_names: names of the classes for labels and legend. Defaults to None.
        thickness: box line width. Defaults to 2.
        font_scale: text size. Defaults to 0.5.
        color: one BGR colour for every box (overrides id/class colours).
        legend: draw a legend of the classes present with their counts. Defaults to True.

    Returns:
        The drawn ``(H, W, 3)`` uint8 image.
    """
    img = np.ascontiguousarray(image.copy())
    n = len(bboxes)
    labels = np.zeros(n, dtype=np.int64) if labels is None else np.asarray(labels).astype(int)
    for k in range(n):
        key = int(ids[k]) if ids is not None else int(labels[k])
        c = color or id_color(key)
        if masks is not None:
            m = np.asarray(masks[k]).astype(bool)
            img[m] = (0.5 * img[m] + 0.5 * np.array(c)).astype(np.uint8)
        x1, y1, x2, y2 = (int(round(float(v))) for v in bboxes[k][:4])
        cv2.rectangle(img, (x1, y1), (x2, y2), c, thickness)
        parts = []
        if ids is not None:
            parts.append(f"{int(ids[k])}")
        if class_names is not None and len(class_names) > 1:
            name = class_names[labels[k]] if labels[k] < len(class_names) else str(labels[k])
            parts.append(name)
        if scores is not None:
            parts.append(f"{float(scores[k]):.2f}")
        text = " ".join(parts)
        if text:
            (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, font_scale, 1)
            ty = max(y1, th + base)
            cv2.rectangle(img, (x1, ty - th - base), (x1 + tw, ty), c, -1)
            cv2.putText(
                img,
                text,
                (x1, ty - base),
                cv2.FONT_HERSHEY_SIMPLEX,
                font_scale,
                (0, 0, 0),
                1,
                cv2.LINE_AA,
            )
    if legend:
        names = class_names or []
        present = np.unique(labels) if n else np.zeros(0, dtype=int)
        rows = [
            (f"{names[c] if c < len(names) else c}: {int((labels == c).sum())}", id_color(int(c)))
            for c in present
        ]
        rows.insert(0, (f"objects: {n}", (255, 255, 255)))
        y = 4
        for text, c in rows:
            (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, font_scale, 1)
            cv2.rectangle(img, (4, y), (12 + tw, y + th + base + 4), (0, 0, 0), -1)
            cv2.putText(
                img, text, (8, y + th + 2), cv2.FONT_HERSHEY_SIMPLEX, font_scale, c, 1, cv2.LINE_AA
            )
            y += th + base + 6
    return img
