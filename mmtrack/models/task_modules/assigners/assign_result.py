"""Result of assigning ground-truth boxes to predictions (priors)."""

from __future__ import annotations

from typing import Any, Optional

import torch
from torch import Tensor


class AssignResult:
    """Which ground truth each prior is assigned to.

    Args:
        num_gts: number of ground-truth boxes.
        gt_inds: ``(P,)`` int64, 1-based index of the assigned gt; 0 means
            negative (background) and -1 means ignored.
        max_overlaps: ``(P,)`` overlap of each prior with its assigned gt
            (with its best gt for negatives).
        labels: ``(P,)`` int64 class of the assigned gt, -1 when none.
            Defaults to None.

    Examples:
        >>> import torch
        >>> res = AssignResult(1, torch.tensor([1, 0, -1]), torch.tensor([.8, .1, .4]),
        ...                    labels=torch.tensor([3, -1, -1]))
        >>> res.num_preds
        3
        >>> res.add_gt_(torch.tensor([3]))
        >>> res.gt_inds.tolist()
        [1, 1, 0, -1]
    """

    def __init__(
        self, num_gts: int, gt_inds: Tensor, max_overlaps: Tensor, labels: Optional[Tensor] = None
    ) -> None:
        self.num_gts = num_gts
        self.gt_inds = gt_inds
        self.max_overlaps = max_overlaps
        self.labels = labels
        self._extra_properties: dict[str, Any] = {}

    @property
    def num_preds(self) -> int:
        """Number of predictions (priors) assigned."""
        return len(self.gt_inds)

    def set_extra_property(self, key: str, value: Any) -> None:
        """Attach extra information (not one of the basic fields)."""
        if key in self.info:
            raise KeyError(f"AssignResult.set_extra_property: {key!r} is a basic field")
        self._extra_properties[key] = value

    def get_extra_property(self, key: str) -> Any:
        """Extra information set by :meth:`set_extra_property` (None when absent)."""
        return self._extra_properties.get(key, None)

    @property
    def info(self) -> dict[str, Any]:
        """The basic fields and the extra properties as a dict."""
        basic = {
            "num_gts": self.num_gts,
            "num_preds": self.num_preds,
            "gt_inds": self.gt_inds,
            "max_overlaps": self.max_overlaps,
            "labels": self.labels,
        }
        basic.update(self._extra_properties)
        return basic

    def add_gt_(self, gt_labels: Tensor) -> None:
        """Prepend the ground truths as positives assigned to themselves.

        Used when gt boxes are added to the proposals before sampling.

        Args:
            gt_labels: ``(G,)`` labels of the gt boxes.
        """
        self_inds = torch.arange(1, len(gt_labels) + 1, dtype=torch.long, device=gt_labels.device)
        self.gt_inds = torch.cat([self_inds, self.gt_inds])
        self.max_overlaps = torch.cat(
            [self.max_overlaps.new_ones(len(gt_labels)), self.max_overlaps]
        )
        if self.labels is not None:
            self.labels = torch.cat([gt_labels.to(self.labels.dtype), self.labels])

    def __repr__(self) -> str:
        pos = int((self.gt_inds > 0).sum())
        neg = int((self.gt_inds == 0).sum())
        return (
            f"{type(self).__name__}(num_gts={self.num_gts}, num_preds={self.num_preds}, "
            f"pos={pos}, neg={neg})"
        )
