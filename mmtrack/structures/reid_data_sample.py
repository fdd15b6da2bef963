"""Data sample of one ReID crop."""

from __future__ import annotations

from numbers import Integral
from typing import Union

import numpy as np
import torch
from mmengine.structures import BaseDataElement, LabelData


def format_label(value: Union[torch.Tensor, np.ndarray, list, int]) -> torch.Tensor:
    """Convert a label (int, list, numpy array or tensor) into a 1-D long tensor.

    Raises:
        TypeError: for other types and for non-integer values (e.g. ``3.7``),
            which would otherwise be truncated silently.
        ValueError: for labels with more than one dimension.
    """
    if isinstance(value, np.ndarray):
        value = torch.from_numpy(value)
    elif isinstance(value, (list, tuple)):
        value = torch.tensor(value)
    elif isinstance(value, Integral) and not isinstance(value, bool):
        value = torch.LongTensor([int(value)])
    elif not isinstance(value, torch.Tensor):
        raise TypeError(
            f"ReID label must be an int, list, ndarray or tensor of ints, got {value!r}"
        )
    if value.ndim == 0:
        value = value.unsqueeze(0)
    if value.ndim != 1:
        raise ValueError(f"ReID label must be 1-D, got shape {tuple(value.shape)}")
    if value.dtype == torch.bool or (
        value.is_floating_point() and not torch.equal(value, value.round())
    ):
        raise TypeError(f"ReID label must hold integers, got {value.tolist()}")
    return value.long()


class ReIDDataSample(BaseDataElement):
    """Data sample for re-identification.

    Fields:
        gt_label (LabelData): ``label`` (identity index, ``(1,)`` long tensor).
        pred_feature (torch.Tensor): ``(C,)`` embedding predicted by the model.

    Examples:
        >>> s = ReIDDataSample().set_gt_label(3)
        >>> s.gt_label.label.tolist()
        [3]
    """

    @property
    def gt_label(self) -> LabelData:
        return self._gt_label

    @gt_label.setter
    def gt_label(self, value: LabelData) -> None:
        self.set_field(value, "_gt_label", dtype=LabelData)

    @gt_label.deleter
    def gt_label(self) -> None:
        del self._gt_label

    def set_gt_label(self, value: Union[torch.Tensor, np.ndarray, list, int]) -> ReIDDataSample:
        """Set ``gt_label.label`` from an int, list, array or tensor and return self."""
        label = LabelData(metainfo=self.metainfo)
        label.label = format_label(value)
        self.gt_label = label
        return self

    @property
    def pred_feature(self) -> torch.Tensor:
        return self._pred_feature

    @pred_feature.setter
    def pred_feature(self, value: torch.Tensor) -> None:
        self.set_field(value, "_pred_feature", dtype=torch.Tensor)

    @pred_feature.deleter
    def pred_feature(self) -> None:
        del self._pred_feature
