"""Mask2Former's transformer decoder (MMDetection 3.x ``Mask2FormerTransformerDecoder``
and ``Mask2FormerTransformerDecoderLayer``): cross attention first, then self
attention, then the FFN, each followed by a LayerNorm; batch-first tensors.

State-dict names as MMDetection 3.x / MMTracking 1.x:
``layers.{i}.cross_attn.attn.in_proj_weight``, ``layers.{i}.self_attn.attn.*``,
``layers.{i}.ffn.layers.0.0.weight``, ``layers.{i}.ffn.layers.1.weight``,
``layers.{i}.norms.{0,1,2}.weight``, ``post_norm.weight``.
"""

from __future__ import annotations

import warnings
from typing import Optional

from mmcv.cnn import build_norm_layer
from mmengine.model import BaseModule, ModuleList
from torch import Tensor

from mmtrack.registry import MODELS

with warnings.catch_warnings():
    # mmcv-lite has no MultiScaleDeformableAttention op and says so on import
    warnings.simplefilter("ignore")
    from mmcv.cnn.bricks.transformer import FFN, MultiheadAttention

__all__ = ["Mask2FormerTransformerDecoder", "Mask2FormerTransformerDecoderLayer"]


def _attn_cfg(cfg: Optional[dict]) -> dict:
    cfg = {
        **dict(embed_dims=256, num_heads=8, attn_drop=0.0, proj_drop=0.0, batch_first=True),
        **(cfg or {}),
    }
    if "dropout" in cfg:  # MMDetection 3.x configs name the attention dropout 'dropout'
        cfg["attn_drop"] = cfg.pop("dropout")
    if not cfg["batch_first"]:
        raise ValueError("Mask2FormerTransformerDecoderLayer: attention needs batch_first=True")
    return cfg


class Mask2FormerTransformerDecoderLayer(BaseModule):
    """One decoder layer: masked cross attention, self attention, FFN (post-norm).

    Args:
        self_attn_cfg: ``MultiheadAttention`` kwargs (``embed_dims``,
            ``num_heads``, ``dropout``/``attn_drop``, ``batch_first=True``).
            Defaults to 256 channels, 8 heads.
        cross_attn_cfg: likewise for the cross attention.
        ffn_cfg: ``FFN`` kwargs (``embed_dims``, ``feedforward_channels``,
            ``num_fcs``, ``ffn_drop``, ``act_cfg``). Defaults to 256 / 2048.
        norm_cfg: the three norms. Defaults to ``dict(type='LN')``.
        init_cfg: initialisation config. Defaults to None.
    """

    def __init__(
        self,
        self_attn_cfg: Optional[dict] = None,
        cross_attn_cfg: Optional[dict] = None,
        ffn_cfg: Optional[dict] = None,
        norm_cfg: Optional[dict] = None,
        init_cfg: Optional[dict] = None,
    ) -> None:
        super().__init__(init_cfg)
        self.self_attn = MultiheadAttention(**_attn_cfg(self_attn_cfg))
        self.cross_attn = MultiheadAttention(**_attn_cfg(cross_attn_cfg))
        self.embed_dims = self.self_attn.embed_dims
        if self.cross_attn.embed_dims != self.embed_dims:
            raise ValueError(
                "Mask2FormerTransformerDecoderLayer: self/cross attention embed_dims differ: "
                f"{self.embed_dims} vs {self.cross_attn.embed_dims}"
            )
        ffn_cfg = {
            **dict(
                embed_dims=self.embed_dims,
                feedforward_channels=2048,
                num_fcs=2,
                ffn_drop=0.0,
                act_cfg=dict(type="ReLU", inplace=True),
            ),
            **(ffn_cfg or {}),
        }
        self.ffn = FFN(**ffn_cfg)
        norm_cfg = norm_cfg or dict(type="LN")
        self.norms = ModuleList([build_norm_layer(norm_cfg, self.embed_dims)[1] for _ in range(3)])

    def forward(
        self,
        query: Tensor,
        key: Tensor,
        value: Tensor,
        query_pos: Optional[Tensor] = None,
        key_pos: Optional[Tensor] = None,
        self_attn_mask: Optional[Tensor] = None,
        cross_attn_mask: Optional[Tensor] = None,
        key_padding_mask: Optional[Tensor] = None,
        **kwargs,
    ) -> Tensor:
        """Decode one step.

        Args:
            query: ``(B, Q, C)`` query features.
            key: ``(B, K, C)`` memory.
            value: ``(B, K, C)`` memory.
            query_pos: ``(B, Q, C)`` query positional embedding. Defaults to None.
            key_pos: ``(B, K, C)`` memory positional encoding. Defaults to None.
            self_attn_mask: ``(Q, Q)`` or ``(B * heads, Q, Q)`` bool, True
                where attention is not allowed. Defaults to None.
            cross_attn_mask: ``(B * heads, Q, K)`` bool, True where a query
                may not look at a key. Defaults to None.
            key_padding_mask: ``(B, K)`` bool, True on padded keys. Defaults to None.

        Returns:
            ``(B, Q, C)``.
        """
        query = self.cross_attn(
            query=query,
            key=key,
            value=value,
            query_pos=query_pos,
            key_pos=key_pos,
            attn_mask=cross_attn_mask,
            key_padding_mask=key_padding_mask,
        )
        query = self.norms[0](query)
        query = self.self_attn(
            query=query,
            key=query,
            value=query,
            query_pos=query_pos,
            key_pos=query_pos,
            attn_mask=self_attn_mask,
        )
        query = self.norms[1](query)
        query = self.ffn(query)
        return self.norms[2](query)


@MODELS.register_module()
class Mask2FormerTransformerDecoder(BaseModule):
    """``num_layers`` :class:`Mask2FormerTransformerDecoderLayer` and a final LayerNorm.

    The Mask2Former heads run the layers one at a time (each needs the masks
    predicted after the previous one) and apply ``post_norm`` before every
    prediction, so this module holds the layers and has no ``forward``.

    Args:
        num_layers: number of layers.
        layer_cfg: :class:`Mask2FormerTransformerDecoderLayer` kwargs.
        post_norm_cfg: the final norm. Defaults to ``dict(type='LN')``.
        return_intermediate: kept for config compatibility (the heads use
            every layer's output). Defaults to True.
        init_cfg: initialisation config. Defaults to None.
    """

    def __init__(
        self,
        num_layers: int,
        layer_cfg: Optional[dict] = None,
        post_norm_cfg: Optional[dict] = None,
        return_intermediate: bool = True,
        init_cfg: Optional[dict] = None,
    ) -> None:
        super().__init__(init_cfg)
        if num_layers < 1:
            raise ValueError(
                f"Mask2FormerTransformerDecoder: num_layers must be >= 1, got {num_layers}"
            )
        self.num_layers = num_layers
        self.return_intermediate = return_intermediate
        self.layers = ModuleList(
            [Mask2FormerTransformerDecoderLayer(**(layer_cfg or {})) for _ in range(num_layers)]
        )
        self.embed_dims = self.layers[0].embed_dims
        self.post_norm = build_norm_layer(post_norm_cfg or dict(type="LN"), self.embed_dims)[1]
