"""Concatenated SOT training sets sampled by weight (SiamRPN++, STARK, PrDiMP)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from mmengine.dataset import BaseDataset, ConcatDataset

from mmtrack.registry import DATASETS


@DATASETS.register_module()
class RandomSampleConcatDataset(ConcatDataset):
    """Concatenated datasets where each item comes from a dataset drawn by weight.

    As MMTracking 1.x: ``dataset[i]`` ignores ``i``; it draws a sub-dataset with
    probability proportional to ``dataset_sampling_weights`` (uniform if None),
    then a random item of it (drawing again while the item is None). Use it with
    :class:`~mmtrack.datasets.samplers.QuotaSampler`, which fixes the number of
    items per epoch. For draws fixed by the sampler's seed instead, use a plain
    ``ConcatDataset`` and give the weights to ``QuotaSampler``.

    Args:
        datasets (Sequence[dict | BaseDataset]): Dataset configs or datasets.
        dataset_sampling_weights (Sequence[float], optional): Non-negative weight
            per dataset, one per dataset. Defaults to None (uniform).
        **kwargs: Other ``ConcatDataset`` arguments (``lazy_init``, ``ignore_keys``).
    """

    def __init__(
        self,
        datasets: Sequence[dict | BaseDataset],
        dataset_sampling_weights: Sequence[float] | None = None,
        **kwargs: Any,
    ) -> None:
        if not datasets:
            raise ValueError("RandomSampleConcatDataset needs at least one dataset")
        if dataset_sampling_weights is None:
            dataset_sampling_weights = [1.0] * len(datasets)
        weights = [float(w) for w in dataset_sampling_weights]
        if len(weights) != len(datasets):
            raise ValueError(
                f"RandomSampleConcatDataset got {len(weights)} dataset_sampling_weights for "
                f"{len(datasets)} datasets"
            )
        if any(w < 0 for w in weights) or sum(weights) <= 0:
            raise ValueError(
                "RandomSampleConcatDataset dataset_sampling_weights must be >= 0 with a "
                f"positive sum, got {weights}"
            )
        self.dataset_sampling_probs = [w / sum(weights) for w in weights]
        built = [DATASETS.build(d) if isinstance(d, dict) else d for d in datasets]
        super().__init__(built, **kwargs)

    def __getitem__(self, idx: int) -> Any:
        """A processed item of a sub-dataset drawn by weight (``idx`` unused)."""
        while True:
            dataset = random.choices(self.datasets, self.dataset_sampling_probs)[0]
            if len(dataset) == 0:
                raise ValueError(f"RandomSampleConcatDataset: {type(dataset).__name__} is empty")
            results = dataset[random.randrange(len(dataset))]
            if results is not None:
                return results
