"""ResNeXt backbone: grouped 3x3 convs in the bottlenecks."""

from __future__ import annotations

import math

from mmtrack.registry import MODELS

from ..layers.res_layer import ResLayer
from .resnet import Bottleneck as _Bottleneck
from .resnet import ResNet


class Bottleneck(_Bottleneck):
    """Bottleneck of width ``floor(planes * base_width / base_channels) * groups``.

    Args:
        inplanes: input channels.
        planes: nominal width; output is ``planes * 4``.
        groups: groups of the 3x3 conv. Defaults to 1.
        base_width: width per group at the first stage. Defaults to 4.
        base_channels: ``base_channels`` of the ResNet. Defaults to 64.
        **kwargs: see :class:`mmtrack.models.backbones.resnet.Bottleneck`.
    """

    def __init__(
        self,
        inplanes: int,
        planes: int,
        groups: int = 1,
        base_width: int = 4,
        base_channels: int = 64,
        **kwargs,
    ) -> None:
        self._groups = groups
        self._width = (
            planes if groups == 1 else math.floor(planes * (base_width / base_channels)) * groups
        )
        super().__init__(inplanes, planes, **kwargs)

    def _build(self, width: int, groups: int) -> None:
        super()._build(self._width, self._groups)


@MODELS.register_module()
class ResNeXt(ResNet):
    """ResNeXt (Xie et al.): e.g. ``x101_64x4d`` is ``depth=101, groups=64, base_width=4``.

    Args:
        groups: groups of the 3x3 convs. Defaults to 1.
        base_width: width per group of the first stage. Defaults to 4.
        **kwargs: see :class:`ResNet` (depth 50, 101 or 152).
    """

    arch_settings = {
        50: (Bottleneck, (3, 4, 6, 3)),
        101: (Bottleneck, (3, 4, 23, 3)),
        152: (Bottleneck, (3, 8, 36, 3)),
    }

    def __init__(self, groups: int = 1, base_width: int = 4, **kwargs) -> None:
        self.groups = groups
        self.base_width = base_width
        super().__init__(**kwargs)

    def make_res_layer(self, **kwargs) -> ResLayer:
        """A stage of grouped bottlenecks."""
        return ResLayer(
            groups=self.groups,
            base_width=self.base_width,
            base_channels=self.base_channels,
            **kwargs,
        )
