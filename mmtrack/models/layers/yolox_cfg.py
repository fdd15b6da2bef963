"""Read-only default configs shared by the YOLOX modules.

Defaults are ``MappingProxyType`` objects (immutable); modules copy them into
plain dicts with :func:`as_dict`. Passing ``None`` keeps MMDetection's
meaning (no norm layer, no activation, no init).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType
from typing import Optional, Union

#: ``BN(momentum=0.03, eps=0.001)`` as in the original YOLOX.
YOLOX_NORM_CFG = MappingProxyType(dict(type="BN", momentum=0.03, eps=0.001))
#: ``Swish`` (SiLU) activation.
YOLOX_ACT_CFG = MappingProxyType(dict(type="Swish"))
#: PyTorch's default conv init (Kaiming uniform, ``a=sqrt(5)``) on every ``Conv2d``.
YOLOX_KAIMING_INIT = MappingProxyType(
    dict(
        type="Kaiming",
        layer="Conv2d",
        a=math.sqrt(5),
        distribution="uniform",
        mode="fan_in",
        nonlinearity="leaky_relu",
    )
)


def as_dict(cfg: Union[Mapping, list, None]) -> Union[dict, list, None]:
    """Copy a (possibly read-only) config mapping into a plain ``dict``.

    Lists (e.g. several ``init_cfg`` entries) are copied element-wise and
    ``None`` is returned unchanged.
    """
    if cfg is None:
        return None
    if isinstance(cfg, list):
        return [as_dict(c) for c in cfg]
    return dict(cfg)


OptMapping = Optional[Mapping]
