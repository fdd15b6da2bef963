"""Runner, distributed start-up and command-line helpers of the tools."""

from .atomic_dump_results import AtomicDumpResults
from .dist_utils import init_dist, uses_accelerator
from .track_runner import TrackRunner

__all__ = ["AtomicDumpResults", "TrackRunner", "init_dist", "uses_accelerator"]
