"""Box heads made of shared convs/fcs followed by class and regression branches."""

from __future__ import annotations

from typing import Optional, Union

import torch.nn as nn
from mmcv.cnn import ConvModule
from torch import Tensor

from mmtrack.registry import MODELS

from .bbox_head import BBoxHead


@MODELS.register_module()
class ConvFCBBoxHead(BBoxHead):
    r"""Shared convs -> shared fcs -> (cls convs -> cls fcs, reg convs -> reg fcs).

    .. code-block:: none

                                    /-> cls convs -> cls fcs -> fc_cls
        shared convs -> shared fcs
                                    \-> reg convs -> reg fcs -> fc_reg

    State-dict keys: ``shared_convs``, ``shared_fcs.{i}``, ``cls_convs``,
    ``cls_fcs``, ``reg_convs``, ``reg_fcs``, ``fc_cls``, ``fc_reg``.

    Args:
        num_shared_convs: shared 3x3 convs. Defaults to 0.
        num_shared_fcs: shared fcs. Defaults to 0.
        num_cls_convs: convs of the class branch. Defaults to 0.
        num_cls_fcs: fcs of the class branch. Defaults to 0.
        num_reg_convs: convs of the box branch. Defaults to 0.
        num_reg_fcs: fcs of the box branch. Defaults to 0.
        conv_out_channels: conv channels. Defaults to 256.
        fc_out_channels: fc width. Defaults to 1024.
        conv_cfg: conv config. Defaults to None.
        norm_cfg: norm config. Defaults to None.
        init_cfg: init config. Defaults to None (Normal on the predictors,
            Xavier-uniform on the fcs).
        **kwargs: see :class:`BBoxHead`.
    """

    def __init__(
        self,
        num_shared_convs: int = 0,
        num_shared_fcs: int = 0,
        num_cls_convs: int = 0,
        num_cls_fcs: int = 0,
        num_reg_convs: int = 0,
        num_reg_fcs: int = 0,
        conv_out_channels: int = 256,
        fc_out_channels: int = 1024,
        conv_cfg: Optional[dict] = None,
        norm_cfg: Optional[dict] = None,
        init_cfg: Union[dict, list, None] = None,
        **kwargs,
    ) -> None:
        super().__init__(init_cfg=init_cfg, **kwargs)
        if (
            num_shared_convs
            + num_shared_fcs
            + num_cls_convs
            + num_cls_fcs
            + num_reg_convs
            + num_reg_fcs
        ) <= 0:
            raise ValueError("ConvFCBBoxHead: needs at least one conv or fc")
        if (num_cls_convs > 0 or num_reg_convs > 0) and num_shared_fcs != 0:
            raise ValueError("ConvFCBBoxHead: branch convs need num_shared_fcs == 0")
        if not self.with_cls and (num_cls_convs or num_cls_fcs):
            raise ValueError("ConvFCBBoxHead: class branch layers without with_cls")
        if not self.with_reg and (num_reg_convs or num_reg_fcs):
            raise ValueError("ConvFCBBoxHead: box branch layers without with_reg")
        self.num_shared_convs = num_shared_convs
        self.num_shared_fcs = num_shared_fcs
        self.num_cls_convs = num_cls_convs
        self.num_cls_fcs = num_cls_fcs
        self.num_reg_convs = num_reg_convs
        self.num_reg_fcs = num_reg_fcs
        self.conv_out_channels = conv_out_channels
        self.fc_out_channels = fc_out_channels
        self.conv_cfg = conv_cfg
        self.norm_cfg = norm_cfg

        self.shared_convs, self.shared_fcs, last_dim = self._add_conv_fc_branch(
            num_shared_convs, num_shared_fcs, self.in_channels, True
        )
        self.shared_out_channels = last_dim
        self.cls_convs, self.cls_fcs, self.cls_last_dim = self._add_conv_fc_branch(
            num_cls_convs, num_cls_fcs, self.shared_out_channels
        )
        self.reg_convs, self.reg_fcs, self.reg_last_dim = self._add_conv_fc_branch(
            num_reg_convs, num_reg_fcs, self.shared_out_channels
        )
        if self.num_shared_fcs == 0 and not self.with_avg_pool:
            if self.num_cls_fcs == 0:
                self.cls_last_dim *= self.roi_feat_area
            if self.num_reg_fcs == 0:
                self.reg_last_dim *= self.roi_feat_area
        self.relu = nn.ReLU(inplace=True)
        self._build_predictors(self.cls_last_dim, self.reg_last_dim)
        if init_cfg is None:
            self.init_cfg += [
                dict(
                    type="Xavier",
                    distribution="uniform",
                    override=[dict(name="shared_fcs"), dict(name="cls_fcs"), dict(name="reg_fcs")],
                )
            ]

    def _add_conv_fc_branch(
        self, num_convs: int, num_fcs: int, in_channels: int, is_shared: bool = False
    ) -> tuple[nn.ModuleList, nn.ModuleList, int]:
        last_dim = in_channels
        convs = nn.ModuleList()
        for i in range(num_convs):
            convs.append(
                ConvModule(
                    last_dim if i == 0 else self.conv_out_channels,
                    self.conv_out_channels,
                    3,
                    padding=1,
                    conv_cfg=self.conv_cfg,
                    norm_cfg=self.norm_cfg,
                )
            )
        if num_convs > 0:
            last_dim = self.conv_out_channels
        fcs = nn.ModuleList()
        if num_fcs > 0:
            if (is_shared or self.num_shared_fcs == 0) and not self.with_avg_pool:
                last_dim *= self.roi_feat_area
            for i in range(num_fcs):
                fcs.append(
                    nn.Linear(last_dim if i == 0 else self.fc_out_channels, self.fc_out_channels)
                )
            last_dim = self.fc_out_channels
        return convs, fcs, last_dim

    def forward(self, x: Tensor) -> tuple[Optional[Tensor], Optional[Tensor]]:
        """RoI features ``(K, C, h, w)`` -> scores ``(K, C+1)``, deltas ``(K, 4*C)``."""
        for conv in self.shared_convs:
            x = conv(x)
        if self.num_shared_fcs > 0:
            if self.with_avg_pool:
                x = self.avg_pool(x)
            x = x.flatten(1)
            for fc in self.shared_fcs:
                x = self.relu(fc(x))
        x_cls, x_reg = x, x
        for conv in self.cls_convs:
            x_cls = conv(x_cls)
        if x_cls.dim() > 2:
            if self.with_avg_pool:
                x_cls = self.avg_pool(x_cls)
            x_cls = x_cls.flatten(1)
        for fc in self.cls_fcs:
            x_cls = self.relu(fc(x_cls))
        for conv in self.reg_convs:
            x_reg = conv(x_reg)
        if x_reg.dim() > 2:
            if self.with_avg_pool:
                x_reg = self.avg_pool(x_reg)
            x_reg = x_reg.flatten(1)
        for fc in self.reg_fcs:
            x_reg = self.relu(fc(x_reg))
        cls_score = self.fc_cls(x_cls) if self.with_cls else None
        bbox_pred = self.fc_reg(x_reg) if self.with_reg else None
        return cls_score, bbox_pred


@MODELS.register_module()
class Shared2FCBBoxHead(ConvFCBBoxHead):
    """Two shared fcs of ``fc_out_channels`` (the Faster R-CNN FPN box head)."""

    def __init__(self, fc_out_channels: int = 1024, **kwargs) -> None:
        super().__init__(
            num_shared_convs=0,
            num_shared_fcs=2,
            num_cls_convs=0,
            num_cls_fcs=0,
            num_reg_convs=0,
            num_reg_fcs=0,
            fc_out_channels=fc_out_channels,
            **kwargs,
        )


@MODELS.register_module()
class Shared4Conv1FCBBoxHead(ConvFCBBoxHead):
    """Four shared 3x3 convs and one shared fc."""

    def __init__(self, fc_out_channels: int = 1024, **kwargs) -> None:
        super().__init__(
            num_shared_convs=4,
            num_shared_fcs=1,
            num_cls_convs=0,
            num_cls_fcs=0,
            num_reg_convs=0,
            num_reg_fcs=0,
            fc_out_channels=fc_out_channels,
            **kwargs,
        )
