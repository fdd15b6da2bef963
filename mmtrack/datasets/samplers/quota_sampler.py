"""Sampler drawing a fixed number of samples per epoch (SOT training)."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence, Sized

import torch
from mmengine.dist import get_dist_info
from torch.utils.data import Sampler

from mmtrack.registry import DATA_SAMPLERS


@DATA_SAMPLERS.register_module()
class QuotaSampler(Sampler):
    """Draw ``samples_per_epoch`` indices per epoch, split over the ranks.

    Without ``dataset_sampling_weights`` the indices are a random permutation of
    the dataset (repeated when the quota exceeds it), or uniform draws with
    ``replacement``. With weights, the dataset must be a concatenation
    (``ConcatDataset``/``RandomSampleConcatDataset``: ``datasets`` and
    ``cumulative_sizes``): each sample first picks a sub-dataset with
    probability proportional to its weight, then an index in it (a running
    permutation of that sub-dataset, or a uniform draw with ``replacement``),
    which gives the ratios of SiamRPN++/STARK training (e.g. 0.25/0.2/0.55 of
    ImageNet VID/COCO/ImageNet DET).

    The draws depend only on ``seed`` and the epoch, so all ranks agree;
    rank ``r`` of ``R`` takes every ``R``-th index from ``r`` (the list is padded
    to a multiple of ``R``).

    Args:
        dataset (Sized): Dataset to sample.
        samples_per_epoch (int): Number of samples per epoch, all ranks together.
        replacement (bool): Draw indices with replacement. Defaults to False.
        seed (int, optional): Random seed. Defaults to 0.
        dataset_sampling_weights (Sequence[float], optional): Non-negative weight
            of each sub-dataset of a concatenated dataset. Defaults to None.
        rank (int, optional): This process' rank; read from the process group
            if None. Defaults to None.
        world_size (int, optional): Number of processes; read if None.
            Defaults to None.
    """

    def __init__(
        self,
        dataset: Sized,
        samples_per_epoch: int,
        replacement: bool = False,
        seed: int | None = 0,
        dataset_sampling_weights: Sequence[float] | None = None,
        rank: int | None = None,
        world_size: int | None = None,
    ) -> None:
        if samples_per_epoch < 1:
            raise ValueError(
                f"QuotaSampler samples_per_epoch must be >= 1, got {samples_per_epoch}"
            )
        dist_rank, dist_world = get_dist_info()
        self.rank = dist_rank if rank is None else rank
        self.world_size = dist_world if world_size is None else world_size
        if not 0 <= self.rank < self.world_size:
            raise ValueError(f"QuotaSampler rank {self.rank} outside world_size {self.world_size}")
        self.dataset = dataset
        self.samples_per_epoch = samples_per_epoch
        self.replacement = replacement
        self.seed = 0 if seed is None else seed
        self.epoch = 0
        self.num_samples = math.ceil(samples_per_epoch / self.world_size)
        self.total_size = self.num_samples * self.world_size
        self.sizes: list[int] | None = None
        self.weights: torch.Tensor | None = None
        if dataset_sampling_weights is not None:
            self._set_weights(list(dataset_sampling_weights))

    def _set_weights(self, weights: list[float]) -> None:
        sub_datasets = getattr(self.dataset, "datasets", None)
        if sub_datasets is None or not hasattr(self.dataset, "cumulative_sizes"):
            raise ValueError(
                "QuotaSampler dataset_sampling_weights need a concatenated dataset "
                f"(ConcatDataset), got {type(self.dataset).__name__}"
            )
        if len(weights) != len(sub_datasets):
            raise ValueError(
                f"QuotaSampler got {len(weights)} dataset_sampling_weights for "
                f"{len(sub_datasets)} datasets"
            )
        if any(w < 0 for w in weights) or sum(weights) <= 0:
            raise ValueError(
                f"QuotaSampler dataset_sampling_weights must be >= 0 with a positive sum, "
                f"got {weights}"
            )
        self.sizes = [len(d) for d in sub_datasets]
        empty = [i for i, (w, n) in enumerate(zip(weights, self.sizes)) if w > 0 and n == 0]
        if empty:
            raise ValueError(f"QuotaSampler: datasets {empty} have a positive weight but no item")
        self.weights = torch.tensor(weights, dtype=torch.float64)

    def _draw(self, size: int, num: int, generator: torch.Generator) -> torch.Tensor:
        """``num`` indices in ``[0, size)``: permutations or uniform draws."""
        if self.replacement:
            return torch.randint(size, (num,), generator=generator, dtype=torch.int64)
        repeats = math.ceil(num / size)
        perms = [torch.randperm(size, generator=generator) for _ in range(repeats)]
        return torch.cat(perms)[:num]

    def _indices(self) -> list[int]:
        g = torch.Generator()
        g.manual_seed(self.seed + self.epoch)
        if self.weights is None:
            return self._draw(len(self.dataset), self.samples_per_epoch, g).tolist()
        assert self.sizes is not None
        choice = torch.multinomial(self.weights, self.samples_per_epoch, True, generator=g)
        indices = torch.empty(self.samples_per_epoch, dtype=torch.int64)
        offset = 0
        for k, size in enumerate(self.sizes):
            where = choice == k
            count = int(where.sum())
            if count:
                indices[where] = self._draw(size, count, g) + offset
            offset += size
        return indices.tolist()

    def __iter__(self) -> Iterator[int]:
        indices = self._indices()
        indices = (indices * math.ceil(self.total_size / len(indices)))[: self.total_size]
        return iter(indices[self.rank : self.total_size : self.world_size])

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Set the epoch (changes the draws)."""
        self.epoch = epoch
