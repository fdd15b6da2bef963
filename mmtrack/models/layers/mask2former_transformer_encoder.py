"""Deformable-attention encoder of Mask2Former's pixel decoder.

Each layer is Deformable DETR's encoder layer: multi-scale deformable
self-attention, LayerNorm, FFN, LayerNorm (post-norm). Sub-modules carry mmdet
3.x's names (``self_attn``, ``ffn``, ``norms.{0,1}``); MMTracking 1.x's
Mask2Former checkpoints (mmdet 3.0.0rc, mmcv ``BaseTransformerLayer``) call
them ``attentions.0``, ``ffns.0``, ``norms.{0,1}``:
:data:`MASK2FORMER_1X_REVISE_KEYS` renames them on loading. Tensors are
batch-first ``(B, N, C)``.
"""

from __future__ import annotations

import copy
import warnings
from typing import Any, Optional

from mmcv.cnn import build_norm_layer
from mmengine.model import BaseModule, ModuleList
from torch import Tensor

from mmtrack.registry import MODELS

from .multi_scale_deformable_attention import MultiScaleDeformableAttention

with warnings.catch_warnings():
    # mmcv-lite has no MultiScaleDeformableAttention op and says so on import
    warnings.simplefilter("ignore")
    from mmcv.cnn.bricks.transformer import FFN

__all__ = [
    "MASK2FORMER_1X_REVISE_KEYS",
    "DeformableDetrTransformerEncoderLayer",
    "Mask2FormerTransformerEncoder",
]

#: ``load_checkpoint(..., revise_keys=MASK2FORMER_1X_REVISE_KEYS)`` loads MMTracking
#: 1.x's Mask2Former checkpoints (mmcv ``BaseTransformerLayer`` names) into the
#: mmdet 3.x names of the pixel-decoder encoder (``attentions.0`` -> ``self_attn``,
#: ``ffns.0`` -> ``ffn``) and of the transformer decoder, whose 1.x layers ran
#: ``('cross_attn', 'norm', 'self_attn', 'norm', 'ffn', 'norm')`` so that
#: ``attentions.0`` is the cross and ``attentions.1`` the self attention.
MASK2FORMER_1X_REVISE_KEYS: list[tuple[str, str]] = [
    (r"^module\.", ""),
    (r"(^|pixel_decoder\.)(encoder\.layers\.\d+\.)attentions\.0\.", r"\1\2self_attn."),
    (r"(^|pixel_decoder\.)(encoder\.layers\.\d+\.)ffns\.0\.", r"\1\2ffn."),
    (r"(^|\.)(transformer_decoder\.layers\.\d+\.)attentions\.0\.", r"\1\2cross_attn."),
    (r"(^|\.)(transformer_decoder\.layers\.\d+\.)attentions\.1\.", r"\1\2self_attn."),
    (r"(^|\.)(transformer_decoder\.layers\.\d+\.)ffns\.0\.", r"\1\2ffn."),
]


def _without_type(cfg: Optional[dict], default_type: str) -> dict:
    """A copy of ``cfg`` without its ``type`` (which must name ``default_type``)."""
    cfg = copy.deepcopy(dict(cfg or {}))
    kind = cfg.pop("type", default_type)
    if str(kind).split(".")[-1] != default_type:
        raise ValueError(f"Mask2FormerTransformerEncoder: expected type {default_type}, got {kind}")
    return cfg


class DeformableDetrTransformerEncoderLayer(BaseModule):
    """Deformable self-attention -> norm -> FFN -> norm.

    Args:
        self_attn_cfg: :class:`MultiScaleDeformableAttention` arguments; it is
            always run batch-first.
        ffn_cfg: mmcv ``FFN`` arguments (``embed_dims``,
            ``feedforward_channels``, ``num_fcs``, ``ffn_drop``, ``act_cfg``).
        norm_cfg: the two norms. Defaults to ``dict(type='LN')``.
        init_cfg: initialisation config. Defaults to None.
    """

    def __init__(
        self,
        self_attn_cfg: Optional[dict] = None,
        ffn_cfg: Optional[dict] = None,
        norm_cfg: Optional[dict] = None,
        init_cfg: Optional[dict] = None,
    ) -> None:
        super().__init__(init_cfg)
        attn_cfg = _without_type(self_attn_cfg, "MultiScaleDeformableAttention")
        attn_cfg["batch_first"] = True
        ffn_kwargs = _without_type(ffn_cfg, "FFN")
        self.self_attn = MultiScaleDeformableAttention(**attn_cfg)
        self.embed_dims = self.self_attn.embed_dims
        ffn_kwargs.setdefault("embed_dims", self.embed_dims)
        self.ffn = FFN(**ffn_kwargs)
        norm_cfg = dict(type="LN") if norm_cfg is None else norm_cfg
        self.norms = ModuleList([build_norm_layer(norm_cfg, self.embed_dims)[1] for _ in range(2)])

    def forward(
        self,
        query: Tensor,
        query_pos: Tensor,
        key_padding_mask: Optional[Tensor],
        reference_points: Tensor,
        spatial_shapes: Tensor,
        level_start_index: Optional[Tensor] = None,
        **kwargs: Any,
    ) -> Tensor:
        """One layer.

        Args:
            query: ``(B, N, C)``, all levels flattened.
            query_pos: ``(B, N, C)`` positional + level encoding.
            key_padding_mask: ``(B, N)`` bool, True on padding, or None.
            reference_points: ``(B, N, num_levels, 2)`` normalised ``(x, y)``.
            spatial_shapes: ``(num_levels, 2)`` ``(h, w)``.
            level_start_index: ``(num_levels,)`` (unused by the op).
            **kwargs: ignored (e.g. ``valid_ratios``).

        Returns:
            ``(B, N, C)``.
        """
        query = self.self_attn(
            query,
            value=query,
            query_pos=query_pos,
            key_padding_mask=key_padding_mask,
            reference_points=reference_points,
            spatial_shapes=spatial_shapes,
            level_start_index=level_start_index,
        )
        query = self.norms[0](query)
        query = self.ffn(query)
        return self.norms[1](query)


@MODELS.register_module()
class Mask2FormerTransformerEncoder(BaseModule):
    """``num_layers`` :class:`DeformableDetrTransformerEncoderLayer` (mmdet 3.x arguments).

    Args:
        num_layers: number of layers.
        layer_cfg: ``dict(self_attn_cfg=..., ffn_cfg=..., norm_cfg=...)`` of
            every layer.
        init_cfg: initialisation config. Defaults to None.
    """

    def __init__(
        self, num_layers: int, layer_cfg: dict, init_cfg: Optional[dict] = None
    ) -> None:
        super().__init__(init_cfg)
        if num_layers < 1:
            raise ValueError(
                f"Mask2FormerTransformerEncoder: num_layers must be >= 1, got {num_layers}"
            )
        self.num_layers = num_layers
        self.layers = ModuleList(
            [DeformableDetrTransformerEncoderLayer(**copy.deepcopy(dict(layer_cfg)))
             for _ in range(num_layers)]
        )
        self.embed_dims = self.layers[0].embed_dims

    def forward(self, query: Tensor, **kwargs: Any) -> Tensor:
        """Run the layers; ``kwargs`` as :meth:`DeformableDetrTransformerEncoderLayer.forward`.

        Args:
            query: ``(B, N, C)``.
            **kwargs: ``query_pos``, ``key_padding_mask``,
                ``reference_points``, ``spatial_shapes``,
                ``level_start_index``, ``valid_ratios``.

        Returns:
            ``(B, N, C)``: the memory.
        """
        for layer in self.layers:
            query = layer(query, **kwargs)
        return query
