"""Deterministic colours for ids and classes."""

from __future__ import annotations


def id_color(idx: int) -> tuple[int, int, int]:
    """A bright BGR colour for an integer (track id or class index), stable across runs.

    Hues follow the golden-angle sequence, so consecutive ids get clearly
    different colours.
    """
    import colorsys

    hue = (int(idx) * 0.618033988749895) % 1.0
    r, g, b = colorsys.hsv_to_rgb(hue, 0.85, 1.0)
    return int(b * 255), int(g * 255), int(r * 255)
