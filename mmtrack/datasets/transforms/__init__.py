"""Data transforms (registered in ``mmtrack.registry.TRANSFORMS``)."""

from .broadcaster import TransformBroadcaster
from .formatting import PackDetInputs, PackReIDInputs, PackTrackInputs
from .loading import LoadAnnotations, LoadImageFromFile, LoadTrackAnnotations
