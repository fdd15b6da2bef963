"""A test-only variant of the toy regression model with a convolution and a BatchNorm.

``y = fc(bn(conv(x)))`` with a ``Conv1d(2, 2, 1)`` and a ``BatchNorm1d(2)`` in
front of the toy model's linear layer, so that ``tools/test.py --fuse-conv-bn``
has something to fold (see ``tests/test_tools/test_test_tool_flags.py``).
"""

from __future__ import annotations

from torch import Tensor, nn

from mmtrack.registry import MODELS
from tests.helpers.toy import ToyTrackModel


class _ConvBNLinear(nn.Module):
    """``(B, C) -> (B, C, 1) -> conv -> bn -> (B, C) -> fc -> (B, 1)``."""

    def __init__(self, in_features: int) -> None:
        super().__init__()
        self.conv = nn.Conv1d(in_features, in_features, 1)
        self.bn = nn.BatchNorm1d(in_features)
        self.fc = nn.Linear(in_features, 1)

    def forward(self, x: Tensor) -> Tensor:
        return self.fc(self.bn(self.conv(x[:, :, None]))[:, :, 0])


@MODELS.register_module()
class FoldBNTestNet(ToyTrackModel):
    """:class:`ToyTrackModel` whose ``linear`` is conv + BN + linear.

    Args:
        in_features: length of each input vector. Defaults to 2.
        data_preprocessor: config of the data preprocessor. Defaults to None.
        init_cfg: weight initialisation config. Defaults to None.
    """

    def __init__(
        self,
        in_features: int = 2,
        data_preprocessor: dict | None = None,
        init_cfg: dict | None = None,
    ) -> None:
        super().__init__(in_features, data_preprocessor, init_cfg)
        self.linear = _ConvBNLinear(in_features)
