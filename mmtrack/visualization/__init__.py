"""Drawing of tracking results."""

from .draw import draw_instances
from .local_visualizer import TrackLocalVisualizer
from .palette import id_color

__all__ = ["TrackLocalVisualizer", "draw_instances", "id_color"]

from .draw_plt import draw_instances_plt
from .frame_writer import FrameWriter

__all__ += ["FrameWriter", "draw_instances_plt"]
