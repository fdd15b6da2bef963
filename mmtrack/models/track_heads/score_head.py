"""STARK-ST2's score head: an MLP on the decoder's query embedding."""

from __future__ import annotations

from torch import Tensor, nn

from mmtrack.registry import MODELS


@MODELS.register_module()
class ScoreHead(nn.Module):
    """``num_layers`` linear layers with ReLU between them (optional BN after each).

    Args:
        input_dim: input channels.
        hidden_dim: hidden channels.
        output_dim: output channels (1: the logit that the target is in
            the search region).
        num_layers: number of linear layers.
        use_bn: ``BatchNorm1d`` after each linear layer. Defaults to False.
    """

    def __init__(
        self,
        input_dim: int,
        hidden_dim: int,
        output_dim: int,
        num_layers: int,
        use_bn: bool = False,
    ) -> None:
        super().__init__()
        if num_layers < 1:
            raise ValueError(f"ScoreHead: num_layers must be >= 1, got {num_layers}")
        self.num_layers = num_layers
        dims_in = [input_dim] + [hidden_dim] * (num_layers - 1)
        dims_out = [hidden_dim] * (num_layers - 1) + [output_dim]
        self.layers = nn.ModuleList(
            nn.Sequential(nn.Linear(n, k), nn.BatchNorm1d(k)) if use_bn else nn.Linear(n, k)
            for n, k in zip(dims_in, dims_out)
        )

    def forward(self, x: Tensor) -> Tensor:
        """Score logits.

        Args:
            x: ``(1, B, num_query, C)`` decoder output.

        Returns:
            ``(B, num_query, output_dim)`` logits.
        """
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < self.num_layers - 1:
                x = x.relu()
        return x.squeeze(0)
