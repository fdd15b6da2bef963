"""Base class of metrics that collect per-frame records of whole videos."""

from __future__ import annotations

import logging

from mmengine.dist import all_gather_object, broadcast_object_list, is_main_process
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log


class BaseVideoMetric(BaseMetric):
    """A :class:`~mmengine.evaluator.BaseMetric` whose results are gathered whole.

    mmengine's default ``evaluate`` merges the ranks' results by zipping them
    and cuts the list at the dataset size, which is right when every rank
    holds the same number of records, one per dataset item. Video metrics
    keep one record per frame and testing splits *videos* across ranks, so
    ranks hold different numbers of records: here all records of all ranks
    are gathered (nothing dropped) and the subclass removes the duplicates a
    padding sampler may add (by video and frame).

    Subclasses implement ``process`` (append picklable records to
    ``self.results``) and ``compute_metrics(results)``.
    """

    def evaluate(self, size: int) -> dict:
        """Gather every rank's records and compute the metrics on rank 0.

        Args:
            size (int): Length of the dataset (unused: nothing is truncated).

        Returns:
            dict: The metrics, keys prefixed with ``self.prefix``, on every rank.
        """
        if len(self.results) == 0:
            print_log(
                f"{self.__class__.__name__} got empty `self.results`: no sample was processed "
                "on this rank",
                logger="current",
                level=logging.WARNING,
            )
        gathered = all_gather_object(self.results)
        results = [record for part in gathered for record in part]
        if is_main_process():
            metrics = self.compute_metrics(results)
            if self.prefix:
                metrics = {f"{self.prefix}/{k}": v for k, v in metrics.items()}
            out = [metrics]
        else:
            out = [None]
        broadcast_object_list(out)
        self.results.clear()
        return out[0]
