"""Interface of the assigners."""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from typing import Optional

from mmengine.structures import InstanceData

from .assign_result import AssignResult


class BaseAssigner(metaclass=ABCMeta):
    """Assign ground truths to priors (anchors, points or proposals)."""

    @abstractmethod
    def assign(
        self,
        pred_instances: InstanceData,
        gt_instances: InstanceData,
        gt_instances_ignore: Optional[InstanceData] = None,
        **kwargs,
    ) -> AssignResult:
        """Assign ``gt_instances`` (``bboxes``, ``labels``) to ``pred_instances.priors``."""
