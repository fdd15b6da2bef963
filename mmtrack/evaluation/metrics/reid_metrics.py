"""Re-identification metrics: mAP and CMC."""

from __future__ import annotations

from typing import Optional, Sequence, Union

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from mmtrack.registry import METRICS

from ..functional.eval_reid import eval_reid, squared_euclidean_distmat
from ..functional.table import format_table


@METRICS.register_module()
class ReIDMetrics(BaseMetric):
    """mAP and CMC of all-vs-all retrieval by squared Euclidean distance.

    Each sample (a :class:`~mmtrack.structures.ReIDDataSample` or its dict)
    contributes ``pred_feature`` ``(C,)`` and ``gt_label.label`` ``(1,)``. As
    MMTracking, every sample queries all the others; queries whose identity
    has no other sample are skipped.

    Args:
        metric (str | Sequence[str]): Subset of ``'mAP'``, ``'CMC'``.
        metric_options (dict, optional): ``rank_list`` (default
            ``[1, 5, 10, 20]``) and ``max_rank`` (20).
        collect_device (str): ``'cpu'`` or ``'gpu'``.
        prefix (str, optional): Key prefix, default ``'reid-metric'``.

    Returns (``compute_metrics``):
        dict: ``mAP`` and ``R1``, ``R5``, ... (fractions, 3 decimals).
    """

    allowed_metrics = ("mAP", "CMC")
    default_prefix: Optional[str] = "reid-metric"

    def __init__(
        self,
        metric: Union[str, Sequence[str]] = "mAP",
        metric_options: Optional[dict] = None,
        collect_device: str = "cpu",
        prefix: Optional[str] = None,
    ) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        metrics = [metric] if isinstance(metric, str) else list(metric)
        for m in metrics:
            if m not in self.allowed_metrics:
                raise KeyError(f"metric must be in {self.allowed_metrics}, got {m!r}")
        self.metrics = metrics
        self.metric_options = dict(rank_list=[1, 5, 10, 20], max_rank=20)
        self.metric_options.update(metric_options or {})
        for rank in self.metric_options["rank_list"]:
            if not 1 <= rank <= self.metric_options["max_rank"]:
                raise ValueError(
                    f"rank {rank} must lie in [1, max_rank={self.metric_options['max_rank']}]"
                )

    def process(self, data_batch: dict, data_samples: Sequence) -> None:
        """Record the embedding and identity of each sample.

        Args:
            data_batch (dict): The batch (unused).
            data_samples (Sequence): ReIDDataSamples or their dict forms.
        """
        for sample in data_samples:
            feature = sample.get("pred_feature")
            gt_label = sample.get("gt_label")
            if not isinstance(feature, torch.Tensor):
                raise TypeError(f"pred_feature must be a tensor, got {type(feature).__name__}")
            if gt_label is None:
                raise KeyError("ReID sample has no gt_label")
            label = gt_label.get("label") if hasattr(gt_label, "get") else gt_label.label
            self.results.append(
                dict(
                    pred_feature=feature.detach().cpu().float().reshape(-1),
                    gt_label=torch.as_tensor(label).detach().cpu().reshape(-1)[:1],
                )
            )

    def compute_metrics(self, results: list) -> dict:
        """Compute mAP / CMC over all samples.

        Args:
            results (list): Per-sample records.

        Returns:
            dict: See the class docstring.
        """
        pids = torch.cat([r["gt_label"] for r in results]).numpy()
        features = torch.stack([r["pred_feature"] for r in results])
        res = eval_reid(
            squared_euclidean_distmat(features),
            pids,
            rank_list=self.metric_options["rank_list"],
            max_rank=self.metric_options["max_rank"],
        )
        out = {}
        if "mAP" in self.metrics:
            out["mAP"] = float(np.around(res["mAP"], decimals=3))
        if "CMC" in self.metrics:
            for rank in self.metric_options["rank_list"]:
                out[f"R{rank}"] = float(np.around(res[f"R{rank}"], decimals=3))
        print_log(
            "\n" + format_table(["metric", "value"], [[k, v] for k, v in out.items()]),
            logger="current",
        )
        return out
