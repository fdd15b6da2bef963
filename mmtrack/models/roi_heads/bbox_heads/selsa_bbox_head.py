"""SELSA's box head: shared fcs, each followed by attention over reference proposals."""

from __future__ import annotations

from typing import Optional

import torch.nn as nn
from mmengine.model import ModuleList
from torch import Tensor

from mmtrack.registry import MODELS

from .convfc_bbox_head import ConvFCBBoxHead


@MODELS.register_module()
class SelsaBBoxHead(ConvFCBBoxHead):
    """A :class:`ConvFCBBoxHead` whose shared fcs aggregate the reference proposals.

    `SELSA <https://arxiv.org/abs/1907.06390>`_: after shared fc ``i`` (no
    ReLU yet), the key proposals' features become
    ``x + aggregator[i](x, ref_x)``, where ``ref_x`` went through the same fc;
    then both get a ReLU. With ``reg_class_agnostic=False`` and
    ``num_shared_fcs=2`` this is MMTracking 0.14's head.

    State-dict keys: those of :class:`ConvFCBBoxHead` plus
    ``aggregator.{i}.*`` (one aggregator per shared fc).

    Args:
        aggregator: aggregator config (e.g. ``SelsaAggregator``).
        **kwargs: see :class:`ConvFCBBoxHead`.
    """

    def __init__(self, aggregator: dict, **kwargs) -> None:
        super().__init__(**kwargs)
        if self.num_shared_fcs < 1:
            raise ValueError("SelsaBBoxHead: needs num_shared_fcs >= 1 (aggregation follows them)")
        # mmengine's ModuleList, so that the aggregators' own init_cfg is applied
        self.aggregator = ModuleList(
            [MODELS.build(aggregator) for _ in range(self.num_shared_fcs)]
        )
        self.inplace_false_relu = nn.ReLU(inplace=False)

    def forward(  # type: ignore[override]
        self, x: Tensor, ref_x: Tensor
    ) -> tuple[Optional[Tensor], Optional[Tensor]]:
        """Scores and deltas of the key proposals.

        Args:
            x: ``(K, C, h, w)`` RoI features of the key frame's proposals.
            ref_x: ``(M, C, h, w)`` RoI features of the reference proposals.

        Returns:
            ``(K, num_classes + 1)`` scores and ``(K, 4 * num_classes)`` deltas.
        """
        for conv in self.shared_convs:
            x = conv(x)
            ref_x = conv(ref_x)
        if self.with_avg_pool:
            x = self.avg_pool(x)
            ref_x = self.avg_pool(ref_x)
        x = x.flatten(1)
        ref_x = ref_x.flatten(1)
        for fc, aggregator in zip(self.shared_fcs, self.aggregator):
            x = fc(x)
            ref_x = fc(ref_x)
            x = x + aggregator(x, ref_x)
            ref_x = self.inplace_false_relu(ref_x)
            x = self.inplace_false_relu(x)
        x_cls, x_reg = x, x
        for fc in self.cls_fcs:
            x_cls = self.relu(fc(x_cls))
        for fc in self.reg_fcs:
            x_reg = self.relu(fc(x_reg))
        cls_score = self.fc_cls(x_cls) if self.with_cls else None
        bbox_pred = self.fc_reg(x_reg) if self.with_reg else None
        return cls_score, bbox_pred
