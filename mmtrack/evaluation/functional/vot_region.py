"""Region overlap of the VOT toolkit: rasterised pixel IoU.

The VOT toolkit (``vot/region/raster.py``, the version MMTracking's VOT
evaluation ran against) does not compute a geometric IoU: it rounds the
regions to integer pixels, rasterises both into binary masks over the union
of their bounding boxes clipped to the image, and counts pixels. This module
reproduces that, rule for rule:

* a rectangle ``(x, y, w, h)`` (float32, rounded half-to-even) covers the
  pixels ``x .. x + w - 1`` by ``y .. y + h - 1``;
* a polygon is rounded and filled by a scan-line algorithm with its own
  node rules (pixel centres at integer coordinates);
* the raster area is the union of both integer bounding boxes clipped to
  ``[0, W - 1] x [0, H - 1]``; when it is degenerate (one column or one row,
  or empty) the overlap is 0;
* a special state (a 1-element region: 0 unknown, 1 initialisation, 2
  failure) overlaps nothing.

Regions are given as numpy arrays: 1 value (special state), 4 values
(x1y1x2y2 box, converted to ``(x1, y1, x2 - x1, y2 - y1)``) or an even number
``>= 6`` of values (polygon ``x1, y1, x2, y2, ...``).
"""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

#: Special tracking states of the VOT reset-based protocol.
SPECIAL_UNKNOWN = 0
SPECIAL_INIT = 1
SPECIAL_FAILURE = 2


def region_kind(region: np.ndarray) -> str:
    """``'special'``, ``'rectangle'`` or ``'polygon'`` for a region array.

    Args:
        region (np.ndarray): 1, 4 or an even number >= 6 of values.

    Returns:
        str: The kind.
    """
    n = np.asarray(region).size
    if n == 1:
        return "special"
    if n == 4:
        return "rectangle"
    if n >= 6 and n % 2 == 0:
        return "polygon"
    raise ValueError(
        f"a region has 1 (special state), 4 (x1y1x2y2 box) or an even number >= 6 "
        f"(polygon) of values, got {n}"
    )


def _prepare(region: np.ndarray) -> Optional[tuple[str, np.ndarray, tuple[int, int, int, int]]]:
    """Rounded float32 data and integer bounds of a region (None if special)."""
    region = np.asarray(region).ravel()
    kind = region_kind(region)
    if kind == "special":
        return None
    if kind == "rectangle":
        x1, y1, x2, y2 = region
        data = np.round(np.array([x1, y1, x2 - x1, y2 - y1], dtype=np.float32))
        x, y, w, h = (float(v) for v in data)
        bounds = (int(round(x)), int(round(y)), int(round(x + w - 1)), int(round(y + h - 1)))
        return kind, data, bounds
    points = np.round(region.astype(np.float32).reshape(-1, 2))
    bounds = (
        int(round(float(points[:, 0].min()))),
        int(round(float(points[:, 1].min()))),
        int(round(float(points[:, 0].max()))),
        int(round(float(points[:, 1].max()))),
    )
    return kind, points, bounds


def _rasterize_rectangle(data: np.ndarray, bounds: tuple[int, int, int, int]) -> np.ndarray:
    b0, b1, b2, b3 = bounds
    mask = np.zeros((b3 - b1 + 1, b2 - b0 + 1), dtype=np.uint8)
    x, y, w, h = (int(v) for v in data)
    if x > b2 or x + w - 1 < b0 or y > b3 or y + h - 1 < b1:
        return mask
    left = max(0, x - b0)
    top = max(0, y - b1)
    right = min(b2, x + w - 1 - b0)
    bottom = min(b3, y + h - 1 - b1)
    mask[top : bottom + 1, left : right + 1] = 1
    return mask


def _rasterize_polygon(points: np.ndarray, bounds: tuple[int, int, int, int]) -> np.ndarray:
    b0, b1, b2, b3 = bounds
    width = b2 - b0 + 1
    height = b3 - b1 + 1
    mask = np.zeros((height, width), dtype=np.uint8)
    count = len(points)
    poly = (points.astype(np.float64) - np.array([[b0, b1]], dtype=np.float64)).tolist()
    node_x = [0] * count
    for pixel_y in range(height):
        nodes = 0
        j = count - 1
        for i in range(count):
            yi, yj = poly[i][1], poly[j][1]
            if (
                (yi <= pixel_y and yj > pixel_y)
                or (yj <= pixel_y and yi > pixel_y)
                or (yi < pixel_y and yj >= pixel_y)
                or (yj < pixel_y and yi >= pixel_y)
                or (yi == yj and yi == pixel_y)
            ):
                r = yj - yi
                k = poly[j][0] - poly[i][0]
                if r != 0:
                    node_x[nodes] = int(poly[i][0] + (pixel_y - yi) / r * k)  # truncation
                else:
                    node_x[nodes] = int(poly[i][0])
                nodes += 1
            j = i
        # the toolkit's "bubble" sort
        i = 0
        while i < nodes - 1:
            if node_x[i] > node_x[i + 1]:
                node_x[i], node_x[i + 1] = node_x[i + 1], node_x[i]
                if i:
                    i -= 1
            else:
                i += 1
        # fill between node pairs
        i = 0
        while i < nodes - 1:
            if node_x[i] >= width:
                break
            if node_x[i] == node_x[i + 1] and i < nodes - 2:
                i += 1
                continue
            if node_x[i + 1] >= 0:
                if node_x[i] < 0:
                    node_x[i] = 0
                if node_x[i + 1] >= width:
                    node_x[i + 1] = width - 1
                mask[pixel_y, node_x[i] : node_x[i + 1] + 1] = 1
            i += 2
    return mask


def _rasterize(kind: str, data: np.ndarray, bounds: tuple[int, int, int, int]) -> np.ndarray:
    if kind == "rectangle":
        return _rasterize_rectangle(data, bounds)
    return _rasterize_polygon(data, bounds)


def calculate_region_overlap(
    region1: np.ndarray, region2: np.ndarray, bounds: Optional[Sequence[int]] = None
) -> float:
    """VOT-toolkit overlap of two regions.

    Args:
        region1 (np.ndarray): A region (see module docstring).
        region2 (np.ndarray): A region.
        bounds (Sequence[int], optional): Image ``(width, height)``.

    Returns:
        float: Pixel IoU in ``[0, 1]``; 0 if either region is a special state.
    """
    a = _prepare(region1)
    b = _prepare(region2)
    if a is None or b is None:
        return 0.0
    ba, bb = a[2], b[2]
    union = (min(ba[0], bb[0]), min(ba[1], bb[1]), max(ba[2], bb[2]), max(ba[3], bb[3]))
    if bounds is not None:
        raster = (
            max(0, union[0]),
            max(0, union[1]),
            min(int(bounds[0]) - 1, union[2]),
            min(int(bounds[1]) - 1, union[3]),
        )
    else:
        raster = union
    if raster[0] >= raster[2] or raster[1] >= raster[3]:
        return 0.0
    m1 = _rasterize(a[0], a[1], raster).astype(bool)
    m2 = _rasterize(b[0], b[1], raster).astype(bool)
    union_px = int(np.count_nonzero(m1 | m2))
    if union_px == 0:
        return 0.0
    return float(np.count_nonzero(m1 & m2)) / float(union_px)


def calculate_region_overlaps(
    first: Sequence[np.ndarray], second: Sequence[np.ndarray], bounds: Optional[Sequence[int]]
) -> list[float]:
    """Frame-wise :func:`calculate_region_overlap` of two trajectories.

    Args:
        first (Sequence[np.ndarray]): Regions, one per frame.
        second (Sequence[np.ndarray]): Regions, one per frame.
        bounds (Sequence[int], optional): Image ``(width, height)``.

    Returns:
        list[float]: One overlap per frame.
    """
    if len(first) != len(second):
        raise ValueError(f"trajectories differ in length: {len(first)} != {len(second)}")
    return [calculate_region_overlap(a, b, bounds) for a, b in zip(first, second)]
