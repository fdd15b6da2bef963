"""Runner, distributed start-up and command-line helpers of the tools."""

from .atomic_dump_results import AtomicDumpResults
from .dist_utils import init_dist, uses_accelerator
from .epoch_based_train_loop import EpochBasedTrainLoop
from .iter_based_train_loop import IterBasedTrainLoop
from .track_runner import TrackRunner

__all__ = [
    "AtomicDumpResults",
    "EpochBasedTrainLoop",
    "IterBasedTrainLoop",
    "TrackRunner",
    "init_dist",
    "uses_accelerator",
]
