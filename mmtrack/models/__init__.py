"""Models: the detection layer, tracking heads, trackers and meta-architectures.

Importing this package registers every model component.
"""

from mmtrack import ops  # noqa: F401  (registers RoIAlign, RoIPool, PrRoIPool)

from . import (  # noqa: F401
    aggregators,
    backbones,
    data_preprocessors,
    dense_heads,
    detectors,
    filter,
    layers,
    losses,
    mot,
    necks,
    reid,
    roi_heads,
    sot,
    task_modules,
    track_heads,
    trackers,
    vid,
    vis,
)
