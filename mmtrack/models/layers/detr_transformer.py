"""DETR encoder and decoder layer sequences (MMDetection 2.x ``DetrTransformerEncoder``
and ``DetrTransformerDecoder``) on mmcv's transformer bricks.

The layers are mmcv's ``BaseTransformerLayer`` (pure PyTorch, part of
mmcv-lite), built from the same ``transformerlayers`` / ``attn_cfgs`` /
``ffn_cfgs`` / ``operation_order`` configs as in MMDetection 2.x and
MMTracking 0.14, so parameter names match their checkpoints
(``layers.{i}.attentions.{j}.attn.in_proj_weight``,
``layers.{i}.ffns.0.layers.0.0.weight``, ``layers.{i}.norms.{k}.weight``,
``post_norm.weight``). Tensors are sequence-first: ``(L, B, C)``.
"""

from __future__ import annotations

import warnings
from typing import Any, Optional

import torch
from mmcv.cnn import build_norm_layer
from torch import Tensor

from mmtrack.registry import MODELS

with warnings.catch_warnings():
    # mmcv-lite has no MultiScaleDeformableAttention op and says so on import
    warnings.simplefilter("ignore")
    from mmcv.cnn.bricks.transformer import TransformerLayerSequence

__all__ = ["DetrTransformerDecoder", "DetrTransformerEncoder"]


@MODELS.register_module()
class DetrTransformerEncoder(TransformerLayerSequence):
    """DETR encoder: ``num_layers`` layers, a final LayerNorm only for pre-norm layers.

    Args:
        post_norm_cfg: norm after the last layer, built only when the layers
            are pre-norm (their ``operation_order`` starts with ``'norm'``).
            Defaults to ``dict(type='LN')``.
        **kwargs: ``transformerlayers``, ``num_layers``, ``init_cfg`` of
            mmcv's ``TransformerLayerSequence``.
    """

    def __init__(self, *args: Any, post_norm_cfg: Optional[dict] = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        post_norm_cfg = dict(type="LN") if post_norm_cfg is None else post_norm_cfg
        self.post_norm = (
            build_norm_layer(post_norm_cfg, self.embed_dims)[1] if self.pre_norm else None
        )

    def forward(self, *args: Any, **kwargs: Any) -> Tensor:
        """The layers, then ``post_norm`` (pre-norm layers only): ``(L, B, C)``."""
        x = super().forward(*args, **kwargs)
        if self.post_norm is not None:
            x = self.post_norm(x)
        return x


@MODELS.register_module()
class DetrTransformerDecoder(TransformerLayerSequence):
    """DETR decoder: ``num_layers`` layers and a final LayerNorm (``post_norm``).

    Args:
        post_norm_cfg: the final norm. Defaults to ``dict(type='LN')``.
        return_intermediate: return every layer's (normalised) output.
            Defaults to False.
        **kwargs: ``transformerlayers``, ``num_layers``, ``init_cfg`` of
            mmcv's ``TransformerLayerSequence``.
    """

    def __init__(
        self,
        *args: Any,
        post_norm_cfg: Optional[dict] = None,
        return_intermediate: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.return_intermediate = return_intermediate
        post_norm_cfg = dict(type="LN") if post_norm_cfg is None else post_norm_cfg
        self.post_norm = build_norm_layer(post_norm_cfg, self.embed_dims)[1]

    def forward(self, query: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        """Decode.

        Args:
            query: ``(num_query, B, C)``.
            *args: ``key``, ``value`` ``(L, B, C)`` and the rest of
                ``BaseTransformerLayer.forward``'s arguments.
            **kwargs: as ``*args``.

        Returns:
            ``(num_layers or 1, num_query, B, C)``: every layer's output with
            ``return_intermediate``, else the last one.
        """
        if not self.return_intermediate:
            return self.post_norm(super().forward(query, *args, **kwargs))[None]
        outputs = []
        for layer in self.layers:
            query = layer(query, *args, **kwargs)
            outputs.append(self.post_norm(query))
        return torch.stack(outputs)
