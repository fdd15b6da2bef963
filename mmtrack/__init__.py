"""mmtrack: video perception toolbox (VID, MOT, SOT, VIS) on PyTorch 2.x."""

from .version import __version__, version_info

__all__ = ["__version__", "version_info"]
