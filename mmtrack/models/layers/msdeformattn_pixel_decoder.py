"""Mask2Former's pixel decoder with multi-scale deformable attention (mmdet 3.x)."""

from __future__ import annotations

import copy
from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule, ModuleList, caffe2_xavier_init, normal_init, xavier_init
from torch import Tensor, nn

from mmtrack.registry import MODELS

from .mask2former_transformer_encoder import Mask2FormerTransformerEncoder
from .multi_scale_deformable_attention import MultiScaleDeformableAttention
from .positional_encoding import SinePositionalEncoding

__all__ = ["MSDeformAttnPixelDecoder"]

_POST_NORM_ORDER = ("self_attn", "norm", "ffn", "norm")
_GN32 = dict(type="GN", num_groups=32)
_RELU = dict(type="ReLU")


def _encoder_kwargs(encoder: dict) -> dict:
    """mmdet 3.x encoder arguments from either config layout.

    Accepts mmdet 3.x's ``dict(num_layers, layer_cfg=dict(self_attn_cfg,
    ffn_cfg))`` and MMTracking 1.x's (mmdet 3.0.0rc) ``dict(type=
    'mmdet.DetrTransformerEncoder', num_layers, transformerlayers=dict(
    attn_cfgs, ffn_cfgs, operation_order))``.
    """
    encoder = copy.deepcopy(dict(encoder))
    encoder.pop("type", None)
    if "transformerlayers" in encoder:
        layers = dict(encoder.pop("transformerlayers"))
        order = tuple(layers.get("operation_order", _POST_NORM_ORDER))
        if order != _POST_NORM_ORDER:
            raise ValueError(
                "MSDeformAttnPixelDecoder: encoder.transformerlayers.operation_order must be "
                f"{_POST_NORM_ORDER}, got {order}"
            )
        layer_cfg = dict(self_attn_cfg=layers.get("attn_cfgs"), ffn_cfg=layers.get("ffn_cfgs"))
        if layers.get("norm_cfg") is not None:
            layer_cfg["norm_cfg"] = layers["norm_cfg"]
        encoder["layer_cfg"] = layer_cfg
    if "layer_cfg" not in encoder or "num_layers" not in encoder:
        raise ValueError(
            "MSDeformAttnPixelDecoder: encoder needs num_layers and layer_cfg (or "
            f"transformerlayers), got keys {sorted(encoder)}"
        )
    return encoder


@MODELS.register_module()
class MSDeformAttnPixelDecoder(BaseModule):
    """Pixel decoder: deformable-attention encoder on the coarse levels, FPN on the rest.

    The ``num_levels`` (of the encoder's attention) lowest-resolution inputs
    are projected (1x1 conv + GN) to ``feat_channels``, flattened, given sine
    positional + learnt level encodings and refined jointly by the encoder;
    each finer input is added (1x1 lateral conv) to the bilinearly upsampled
    previous output and smoothed (3x3 conv + GN + ReLU), as in an FPN.
    State-dict names (mmdet 3.x): ``input_convs.{i}.conv/gn``,
    ``encoder.layers.{j}.self_attn/ffn/norms.{0,1}``, ``level_encoding``,
    ``lateral_convs.{i}.conv/gn``, ``output_convs.{i}.conv/gn``,
    ``mask_feature``. MMTracking 1.x checkpoints name the encoder's
    sub-modules ``attentions.0`` / ``ffns.0``; load them with
    ``revise_keys=MASK2FORMER_1X_REVISE_KEYS``.

    Args:
        in_channels: channels of the inputs, highest resolution first.
            Defaults to ``[256, 512, 1024, 2048]``.
        strides: their strides. Defaults to ``[4, 8, 16, 32]``.
        feat_channels: channels of the encoder and FPN. Defaults to 256.
        out_channels: channels of ``mask_feature``. Defaults to 256.
        num_outs: number of multi-scale features returned. Defaults to 3.
        norm_cfg: norm of the convs; None: no norm, and biases in the
            FPN convs. Defaults to ``dict(type='GN', num_groups=32)``.
        act_cfg: activation of the output convs; None: none. Defaults to
            ``dict(type='ReLU')``.
        encoder: :class:`Mask2FormerTransformerEncoder` arguments
            (``num_layers``, ``layer_cfg``) or MMTracking 1.x's
            ``transformerlayers`` layout.
        positional_encoding: :class:`SinePositionalEncoding` arguments.
            Defaults to ``dict(num_feats=128, normalize=True)``.
        init_cfg: initialisation config. Defaults to None.
    """

    def __init__(
        self,
        in_channels: Sequence[int] = (256, 512, 1024, 2048),
        strides: Sequence[int] = (4, 8, 16, 32),
        feat_channels: int = 256,
        out_channels: int = 256,
        num_outs: int = 3,
        norm_cfg: Optional[dict] = _GN32,
        act_cfg: Optional[dict] = _RELU,
        encoder: Optional[dict] = None,
        positional_encoding: Optional[dict] = None,
        init_cfg: Optional[dict] = None,
    ) -> None:
        super().__init__(init_cfg)
        norm_cfg = copy.deepcopy(norm_cfg)
        act_cfg = copy.deepcopy(act_cfg)
        if encoder is None:
            raise ValueError("MSDeformAttnPixelDecoder: an encoder config is required")
        if len(in_channels) != len(strides):
            raise ValueError(
                f"MSDeformAttnPixelDecoder: in_channels {list(in_channels)} and strides "
                f"{list(strides)} must have the same length"
            )
        encoder_kwargs = _encoder_kwargs(encoder)
        self.strides = list(strides)
        self.num_input_levels = len(in_channels)
        self.num_encoder_levels = int(
            dict(encoder_kwargs["layer_cfg"]["self_attn_cfg"]).get("num_levels", 4)
        )
        if not 1 <= self.num_encoder_levels <= self.num_input_levels:
            raise ValueError(
                "MSDeformAttnPixelDecoder: the encoder's num_levels must be in "
                f"[1, {self.num_input_levels}], got {self.num_encoder_levels}"
            )
        if not 1 <= num_outs <= self.num_input_levels:
            raise ValueError(
                f"MSDeformAttnPixelDecoder: num_outs must be in [1, {self.num_input_levels}], "
                f"got {num_outs}"
            )
        # low to high resolution: inputs num_input_levels - 1, ..., go through the encoder
        self.input_convs = ModuleList(
            [
                ConvModule(
                    in_channels[i], feat_channels, kernel_size=1, norm_cfg=norm_cfg,
                    act_cfg=None, bias=True,
                )
                for i in range(
                    self.num_input_levels - 1,
                    self.num_input_levels - self.num_encoder_levels - 1,
                    -1,
                )
            ]
        )
        self.encoder = Mask2FormerTransformerEncoder(**encoder_kwargs)
        pe_cfg = copy.deepcopy(dict(positional_encoding or dict(num_feats=128, normalize=True)))
        pe_cfg.pop("type", None)
        self.postional_encoding = SinePositionalEncoding(**pe_cfg)  # mmdet's spelling
        self.level_encoding = nn.Embedding(self.num_encoder_levels, feat_channels)
        # FPN on the remaining (finer) inputs, low to high resolution
        self.use_bias = norm_cfg is None
        self.lateral_convs = ModuleList()
        self.output_convs = ModuleList()
        for i in range(self.num_input_levels - self.num_encoder_levels - 1, -1, -1):
            self.lateral_convs.append(
                ConvModule(
                    in_channels[i], feat_channels, kernel_size=1, bias=self.use_bias,
                    norm_cfg=norm_cfg, act_cfg=None,
                )
            )
            self.output_convs.append(
                ConvModule(
                    feat_channels, feat_channels, kernel_size=3, stride=1, padding=1,
                    bias=self.use_bias, norm_cfg=norm_cfg, act_cfg=act_cfg,
                )
            )
        self.mask_feature = nn.Conv2d(feat_channels, out_channels, kernel_size=1)
        self.num_outs = num_outs

    def init_weights(self) -> None:
        """mmdet's initialisation (Xavier / caffe2-Xavier convs, N(0, 1) level encoding).

        Encoder matrices get Xavier-normal, then each deformable attention its
        own :meth:`MultiScaleDeformableAttention.init_weights`.
        """
        for conv in self.input_convs:
            xavier_init(conv.conv, gain=1, bias=0, distribution="uniform")
        for lateral, output in zip(self.lateral_convs, self.output_convs):
            caffe2_xavier_init(lateral.conv, bias=0)
            caffe2_xavier_init(output.conv, bias=0)
        caffe2_xavier_init(self.mask_feature, bias=0)
        normal_init(self.level_encoding, mean=0, std=1)
        for p in self.encoder.parameters():
            if p.dim() > 1:
                nn.init.xavier_normal_(p)
        for m in self.encoder.layers.modules():
            if isinstance(m, MultiScaleDeformableAttention):
                m.init_weights()
        self._is_init = True

    def forward(self, feats: Sequence[Tensor]) -> tuple[Tensor, list[Tensor]]:
        """Decode.

        Args:
            feats: ``num_input_levels`` maps ``(B, in_channels[i], H / s_i,
                W / s_i)``, highest resolution first.

        Returns:
            ``mask_feature`` ``(B, out_channels, H / s_0, W / s_0)`` and
            ``multi_scale_features``: ``num_outs`` maps ``(B, feat_channels,
            h, w)`` from the lowest resolution up (for the default strides
            and ``num_outs=3``: 1/32, 1/16, 1/8).

        Raises:
            ValueError: the number of maps is not ``num_input_levels``.
        """
        if len(feats) != self.num_input_levels:
            raise ValueError(
                f"MSDeformAttnPixelDecoder: expected {self.num_input_levels} feature maps, "
                f"got {len(feats)}"
            )
        bs = feats[0].shape[0]
        inputs, pos_embeds, masks, shapes, refs = [], [], [], [], []
        for i in range(self.num_encoder_levels):
            level = self.num_input_levels - i - 1
            feat = feats[level]
            h, w = feat.shape[-2:]
            mask = feat.new_zeros((bs, h, w), dtype=torch.bool)  # no padding
            pos = self.postional_encoding(mask).to(feat.dtype)
            pos = pos + self.level_encoding.weight[i].view(1, -1, 1, 1)
            # pixel centres normalised by the map size, row-major (x fastest)
            ys = (torch.arange(h, device=feat.device, dtype=feat.dtype) + 0.5) / h
            xs = (torch.arange(w, device=feat.device, dtype=feat.dtype) + 0.5) / w
            ref = torch.stack(
                [xs.view(1, w).expand(h, w), ys.view(h, 1).expand(h, w)], -1
            ).reshape(-1, 2)
            inputs.append(self.input_convs[i](feat).flatten(2).transpose(1, 2))
            pos_embeds.append(pos.flatten(2).transpose(1, 2))
            masks.append(mask.flatten(1))
            shapes.append((h, w))
            refs.append(ref)
        spatial_shapes = torch.as_tensor(shapes, dtype=torch.long, device=feats[0].device)
        level_start_index = torch.cat(
            (spatial_shapes.new_zeros((1,)), spatial_shapes.prod(1).cumsum(0)[:-1])
        )
        reference_points = torch.cat(refs, 0)[None, :, None].expand(
            bs, -1, self.num_encoder_levels, -1
        )
        memory = self.encoder(
            torch.cat(inputs, 1),
            query_pos=torch.cat(pos_embeds, 1),
            key_padding_mask=torch.cat(masks, 1),
            reference_points=reference_points,
            spatial_shapes=spatial_shapes,
            level_start_index=level_start_index,
            valid_ratios=reference_points.new_ones((bs, self.num_encoder_levels, 2)),
        )  # (B, sum h*w, C)
        memory = memory.transpose(1, 2)
        outs = [
            x.reshape(bs, -1, h, w)
            for x, (h, w) in zip(memory.split([h * w for h, w in shapes], dim=-1), shapes)
        ]
        for j, i in enumerate(range(self.num_input_levels - self.num_encoder_levels - 1, -1, -1)):
            cur = self.lateral_convs[j](feats[i])
            y = cur + F.interpolate(
                outs[-1], size=cur.shape[-2:], mode="bilinear", align_corners=False
            )
            outs.append(self.output_convs[j](y))
        return self.mask_feature(outs[-1]), outs[: self.num_outs]
