"""Interface of the RoI heads."""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from collections.abc import Sequence
from typing import Optional, Union

from mmengine.config import ConfigDict
from mmengine.model import BaseModule
from mmengine.structures import InstanceData
from torch import Tensor

from mmtrack.registry import MODELS


class BaseRoIHead(BaseModule, metaclass=ABCMeta):
    """RoI head: box (and optionally mask) branches on pooled RoI features.

    Args:
        bbox_roi_extractor: box RoI extractor config. Defaults to None.
        bbox_head: box head config. Defaults to None.
        mask_roi_extractor: mask RoI extractor config (None shares the box
            one). Defaults to None.
        mask_head: mask head config. Defaults to None.
        shared_head: head applied to the pooled features first. Defaults to None.
        train_cfg: ``assigner``, ``sampler``, ``pos_weight``, ``mask_size``.
            Defaults to None.
        test_cfg: ``score_thr``, ``nms``, ``max_per_img``, ``mask_thr_binary``.
            Defaults to None.
        init_cfg: init config. Defaults to None.
    """

    def __init__(
        self,
        bbox_roi_extractor: Optional[dict] = None,
        bbox_head: Optional[dict] = None,
        mask_roi_extractor: Optional[dict] = None,
        mask_head: Optional[dict] = None,
        shared_head: Optional[dict] = None,
        train_cfg: Optional[dict] = None,
        test_cfg: Optional[dict] = None,
        init_cfg: Union[dict, list, None] = None,
    ) -> None:
        super().__init__(init_cfg)
        self.train_cfg = ConfigDict(train_cfg) if train_cfg is not None else None
        self.test_cfg = ConfigDict(test_cfg) if test_cfg is not None else None
        if shared_head is not None:
            self.shared_head = MODELS.build(shared_head)
        if bbox_head is not None:
            self.init_bbox_head(bbox_roi_extractor, bbox_head)
        if mask_head is not None:
            self.init_mask_head(mask_roi_extractor, mask_head)
        self.init_assigner_sampler()

    @property
    def with_bbox(self) -> bool:
        """Whether there is a box head."""
        return getattr(self, "bbox_head", None) is not None

    @property
    def with_mask(self) -> bool:
        """Whether there is a mask head."""
        return getattr(self, "mask_head", None) is not None

    @property
    def with_shared_head(self) -> bool:
        """Whether there is a shared head."""
        return getattr(self, "shared_head", None) is not None

    @abstractmethod
    def init_bbox_head(self, bbox_roi_extractor: dict, bbox_head: dict) -> None:
        """Build the box branch."""

    @abstractmethod
    def init_mask_head(self, mask_roi_extractor: Optional[dict], mask_head: dict) -> None:
        """Build the mask branch."""

    @abstractmethod
    def init_assigner_sampler(self) -> None:
        """Build the assigner and sampler from ``train_cfg``."""

    @abstractmethod
    def loss(
        self, x: Sequence[Tensor], rpn_results_list: list[InstanceData], batch_data_samples: list
    ) -> dict[str, Tensor]:
        """Losses of the RoI stage."""

    def predict(
        self,
        x: Sequence[Tensor],
        rpn_results_list: list[InstanceData],
        batch_data_samples: list,
        rescale: bool = False,
    ) -> list[InstanceData]:
        """Detections (and masks) of each image.

        Args:
            x: multi-level features.
            rpn_results_list: proposals (``bboxes``) of each image, in input pixels.
            batch_data_samples: samples with metainfo.
            rescale: boxes/masks in original-image pixels. Defaults to False.
        """
        if not self.with_bbox:
            raise RuntimeError(f"{type(self).__name__}.predict needs a bbox head")
        metas = [s.metainfo for s in batch_data_samples]
        results_list = self.predict_bbox(
            x, metas, rpn_results_list, rcnn_test_cfg=self.test_cfg, rescale=rescale
        )
        if self.with_mask:
            results_list = self.predict_mask(x, metas, results_list, rescale=rescale)
        return results_list
