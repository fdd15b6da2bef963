"""Matplotlib drawing of tracked instances (the ``plt`` backend of the demos)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .palette import id_color

__all__ = ["draw_instances_plt"]


def _rgb01(bgr: tuple[int, int, int]) -> tuple[float, float, float]:
    return bgr[2] / 255.0, bgr[1] / 255.0, bgr[0] / 255.0


def draw_instances_plt(
    image: np.ndarray,
    bboxes: np.ndarray,
    labels: np.ndarray | None = None,
    scores: np.ndarray | None = None,
    ids: np.ndarray | None = None,
    masks: np.ndarray | None = None,
    class_names: Sequence[str] | None = None,
    thickness: int = 2,
    font_size: int = 8,
    color: tuple[int, int, int] | None = None,
) -> np.ndarray:
    """Draw instances with matplotlib and return the picture as a BGR image.

    Same inputs and colours as :func:`~mmtrack.visualization.draw_instances`
    (boxes coloured by id when given, else by class), rendered off-screen with
    matplotlib's Agg canvas at the image's own size.

    Args:
        image: ``(H, W, 3)`` uint8 BGR image.
        bboxes: ``(N, 4)`` x1y1x2y2 boxes in pixels.
        labels: ``(N,)`` class indices. Defaults to None.
        scores: ``(N,)`` scores. Defaults to None.
        ids: ``(N,)`` track ids. Defaults to None.
        masks: ``(N, H, W)`` boolean masks. Defaults to None.
        class_names: class names. Defaults to None.
        thickness: box line width in pixels. Defaults to 2.
        font_size: text size in points. Defaults to 8.
        color: one BGR colour for every box. Defaults to None.

    Returns:
        The ``(H, W, 3)`` uint8 BGR drawing.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    h, w = image.shape[:2]
    dpi = 100
    fig = Figure(figsize=(w / dpi, h / dpi), dpi=dpi)
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    rgb = image[..., ::-1].astype(np.float32) / 255.0
    n = len(bboxes)
    labels = np.zeros(n, dtype=np.int64) if labels is None else np.asarray(labels).astype(int)
    if masks is not None:
        rgb = rgb.copy()
        for k in range(n):
            key = int(ids[k]) if ids is not None else int(labels[k])
            m = np.asarray(masks[k]).astype(bool)
            rgb[m] = 0.5 * rgb[m] + 0.5 * np.array(_rgb01(color or id_color(key)))
    ax.imshow(rgb, interpolation="nearest")
    ax.set_xlim(-0.5, w - 0.5)
    ax.set_ylim(h - 0.5, -0.5)
    # thickness is in pixels; matplotlib line widths are in points (1/72 inch).
    lw = thickness * 72.0 / dpi
    for k in range(n):
        key = int(ids[k]) if ids is not None else int(labels[k])
        c = _rgb01(color or id_color(key))
        x1, y1, x2, y2 = (float(v) for v in bboxes[k][:4])
        ax.add_patch(Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, edgecolor=c, linewidth=lw))
        parts = []
        if ids is not None:
            parts.append(str(int(ids[k])))
        if class_names is not None and len(class_names) > 1:
            parts.append(class_names[labels[k]] if labels[k] < len(class_names) else str(labels[k]))
        if scores is not None:
            parts.append(f"{float(scores[k]):.2f}")
        if parts:
            ax.text(
                x1,
                y1,
                " ".join(parts),
                fontsize=font_size,
                color="black",
                va="bottom",
                bbox=dict(facecolor=c, edgecolor="none", pad=1.0),
            )
    canvas.draw()
    drawn = np.asarray(canvas.buffer_rgba())[..., :3]
    if drawn.shape[:2] != (h, w):  # rounding of the figure size in inches
        import cv2

        drawn = cv2.resize(drawn, (w, h), interpolation=cv2.INTER_NEAREST)
    return np.ascontiguousarray(drawn[..., ::-1])
