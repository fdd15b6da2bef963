"""Dataset wrapper feeding extra images to Mosaic / MixUp."""

from __future__ import annotations

import copy
from collections.abc import Sequence as SequenceABC
from typing import Any, Optional, Sequence, Union

from mmengine.dataset import BaseDataset, force_full_init

from mmtrack.registry import DATASETS, TRANSFORMS


@DATASETS.register_module()
class MultiImageMixDataset:
    """Wrap a dataset and run a pipeline whose mixing transforms (those with
    ``get_indexes``, e.g. Mosaic, MixUp) get other samples in
    ``results['mix_results']``.

    The wrapped dataset's own pipeline loads one image (e.g.
    ``LoadImageFromFile`` + ``LoadAnnotations``); this wrapper's pipeline does
    the augmentations and the packing.

    Args:
        dataset: the wrapped dataset (config or object).
        pipeline: transforms run on the loaded samples.
        skip_type_keys: type names of transforms to skip (set by
            ``YOLOXModeSwitchHook`` to turn Mosaic/MixUp off). Defaults to None.
        max_refetch: retries when a transform returns None. Defaults to 15.
        lazy_init: defer the wrapped dataset's initialisation. Defaults to False.
    """

    def __init__(
        self,
        dataset: Union[BaseDataset, dict],
        pipeline: Sequence[Union[dict, Any]],
        skip_type_keys: Optional[Sequence[str]] = None,
        max_refetch: int = 15,
        lazy_init: bool = False,
    ) -> None:
        self.dataset = DATASETS.build(dataset) if isinstance(dataset, dict) else dataset
        self._metainfo = self.dataset.metainfo
        self.pipeline = [TRANSFORMS.build(t) if isinstance(t, dict) else t for t in pipeline]
        self.pipeline_types = [type(t).__name__ for t in self.pipeline]
        self._skip_type_keys = None if skip_type_keys is None else list(skip_type_keys)
        self.max_refetch = max_refetch
        self._fully_initialized = False
        if not lazy_init:
            self.full_init()

    @property
    def metainfo(self) -> dict:
        """Meta information of the wrapped dataset."""
        return copy.deepcopy(self._metainfo)

    def full_init(self) -> None:
        """Initialise the wrapped dataset."""
        if self._fully_initialized:
            return
        if hasattr(self.dataset, "full_init"):
            self.dataset.full_init()
        self._ori_len = len(self.dataset)
        self._fully_initialized = True

    @force_full_init
    def get_data_info(self, idx: int) -> dict:
        """Data info of the wrapped dataset."""
        return self.dataset.get_data_info(idx)

    @force_full_init
    def __len__(self) -> int:
        return self._ori_len

    def update_skip_type_keys(self, skip_type_keys: Sequence[str]) -> None:
        """Skip the transforms whose type name is in ``skip_type_keys`` from now on."""
        self._skip_type_keys = list(skip_type_keys)

    def __getitem__(self, idx: int) -> dict:
        results = copy.deepcopy(self.dataset[idx])
        for transform, type_name in zip(self.pipeline, self.pipeline_types):
            if self._skip_type_keys is not None and type_name in self._skip_type_keys:
                continue
            if hasattr(transform, "get_indexes"):
                for _ in range(self.max_refetch):
                    indexes = transform.get_indexes(self.dataset)
                    if not isinstance(indexes, SequenceABC):
                        indexes = [indexes]
                    mix = [copy.deepcopy(self.dataset[i]) for i in indexes]
                    if None not in mix:
                        results["mix_results"] = mix
                        break
                else:
                    raise RuntimeError(
                        f"{type_name}: could not draw samples to mix in {self.max_refetch} tries"
                    )
            for _ in range(self.max_refetch):
                updated = transform(copy.deepcopy(results))
                if updated is not None:
                    results = updated
                    break
            else:
                raise RuntimeError(
                    f"{type_name} returned None {self.max_refetch} times; check the pipeline"
                )
            results.pop("mix_results", None)
        return results
