"""``tools/test.py --out``: dump predictions to a pickle file, atomically."""

from __future__ import annotations

import os
import os.path as osp

from mmengine.evaluator import DumpResults
from mmengine.fileio import dump
from mmengine.logging import print_log
from mmengine.utils import mkdir_or_exist

__all__ = ["AtomicDumpResults"]


class AtomicDumpResults(DumpResults):
    """mmengine's ``DumpResults`` writing to ``<file>.tmp`` and renaming when complete.

    Args:
        out_file_path: output ``.pkl``/``.pickle`` path.
        **kwargs: passed to ``DumpResults`` (``collect_device``, ``collect_dir``).
    """

    default_prefix = "dump"

    def compute_metrics(self, results: list) -> dict:
        """Dump all collected predictions (a list, one item per sample)."""
        mkdir_or_exist(osp.dirname(osp.abspath(self.out_file_path)))
        tmp = self.out_file_path + ".tmp"
        dump(results, tmp, file_format="pkl")
        os.replace(tmp, self.out_file_path)
        print_log(f"Results have been saved to {self.out_file_path}.", logger="current")
        return {}
