"""Drawing of tracking results."""

from .draw import draw_instances
from .local_visualizer import TrackLocalVisualizer
from .palette import id_color

__all__ = ["TrackLocalVisualizer", "draw_instances", "id_color"]
