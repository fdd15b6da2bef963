"""Interface of the box coders."""

from __future__ import annotations

from abc import ABCMeta, abstractmethod

from torch import Tensor


class BaseBBoxCoder(metaclass=ABCMeta):
    """Encode boxes as regression targets relative to priors, and decode them back.

    Args:
        use_box_type: kept for MMDetection config compatibility; boxes are
            always plain ``(N, 4)`` tensors here, so it must be False.
            Defaults to False.
    """

    encode_size = 4

    def __init__(self, use_box_type: bool = False, **kwargs) -> None:
        if use_box_type:
            raise ValueError(f"{type(self).__name__}: use_box_type=True is not supported")
        self.use_box_type = use_box_type

    @abstractmethod
    def encode(self, bboxes: Tensor, gt_bboxes: Tensor) -> Tensor:
        """Targets that turn ``bboxes`` into ``gt_bboxes``."""

    @abstractmethod
    def decode(self, bboxes: Tensor, bboxes_pred: Tensor, **kwargs) -> Tensor:
        """Apply predicted targets ``bboxes_pred`` to ``bboxes``."""
