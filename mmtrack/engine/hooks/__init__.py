"""Hooks."""

from .track_visualization_hook import TrackVisualizationHook

__all__ = ["TrackVisualizationHook"]
