"""MixFormer's CvT backbone with mixed attention (MMTracking 0.14 ``ConvVisionTransformer``).

Every stage embeds the template, the online template(s) and the search
crop with one strided convolution (:class:`ConvEmbed`) and runs blocks of
*asymmetric mixed attention* over the concatenated tokens: each image's
queries, keys and values come from a depth-wise ``3x3`` convolution + BN on
its own token map (keys and values at stride 2) followed by a linear layer;
template tokens attend only to template keys, search tokens attend to all
keys. Template features therefore never depend on the search crop, which
lets tracking cache the template keys / values (:meth:`set_online`) and run
only the search tokens each frame (:meth:`forward_test`).

Parameter names follow MMTracking 0.14 (``stage{i}.patch_embed.proj``,
``stage{i}.blocks.{j}.attn.conv_proj_q.conv`` / ``.bn``,
``...attn.proj_q`` / ``proj_k`` / ``proj_v`` / ``proj``,
``...mlp.layers.0.0`` / ``layers.1``, ``norm`` and the unused ImageNet
classifier ``head``), so its CvT-21 checkpoints load as they are.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Optional

import torch
from mmcv.cnn import build_norm_layer
from mmcv.cnn.bricks.drop import DropPath
from mmcv.cnn.bricks.transformer import FFN
from mmengine.model import BaseModule
from mmengine.model.weight_init import trunc_normal_
from torch import Tensor, nn

from mmtrack.registry import MODELS

__all__ = ["ConvVisionTransformer", "MixedAttentionModule"]


def _to_tokens(x: Tensor) -> Tensor:
    """``(B, C, H, W)`` -> ``(B, H W, C)``."""
    return x.flatten(2).transpose(1, 2)


def _to_map(x: Tensor, h: int, w: int) -> Tensor:
    """``(B, H W, C)`` -> ``(B, C, H, W)``."""
    return x.transpose(1, 2).reshape(x.shape[0], x.shape[2], h, w)


class MixedAttentionModule(nn.Module):
    """Asymmetric mixed attention over template and search tokens.

    Args:
        dim_in: input channels.
        dim_out: output channels.
        num_heads: attention heads.
        qkv_bias: bias of the q / k / v linear layers.
        attn_drop: dropout on the attention weights.
        proj_drop: dropout after the output projection.
        method: ``'dw_bn'`` (depth-wise conv + BN), ``'avg'`` (average pool
            for k / v, none for q) or ``'identity'``.
        kernel_size: kernel of the projection convolution.
        stride_kv: stride of the key / value projection.
        stride_q: stride of the query projection.
        padding_kv: padding of the key / value projection.
        padding_q: padding of the query projection.
        norm_cfg: norm of the ``'dw_bn'`` projection.
    """

    def __init__(
        self,
        dim_in: int,
        dim_out: int,
        num_heads: int,
        qkv_bias: bool = False,
        attn_drop: float = 0.0,
        proj_drop: float = 0.0,
        method: str = "dw_bn",
        kernel_size: int = 3,
        stride_kv: int = 1,
        stride_q: int = 1,
        padding_kv: int = 1,
        padding_q: int = 1,
        norm_cfg: Optional[dict] = None,
    ) -> None:
        super().__init__()
        if method not in ("dw_bn", "avg", "identity"):
            raise ValueError(
                f"MixedAttentionModule: method must be 'dw_bn', 'avg' or 'identity', got {method!r}"
            )
        if dim_out % num_heads:
            raise ValueError(
                f"MixedAttentionModule: dim_out {dim_out} is not a multiple of num_heads "
                f"{num_heads}"
            )
        self.num_heads = num_heads
        # as in MMTracking / CvT: the scale uses the full width, not the head width
        self.scale = dim_out**-0.5
        self.norm_cfg = norm_cfg or dict(type="BN")
        q_method = "identity" if method == "avg" else method
        self.conv_proj_q = self._build_projection(
            dim_in, kernel_size, padding_q, stride_q, q_method
        )
        self.conv_proj_k = self._build_projection(
            dim_in, kernel_size, padding_kv, stride_kv, method
        )
        self.conv_proj_v = self._build_projection(
            dim_in, kernel_size, padding_kv, stride_kv, method
        )
        self.proj_q = nn.Linear(dim_in, dim_out, bias=qkv_bias)
        self.proj_k = nn.Linear(dim_in, dim_out, bias=qkv_bias)
        self.proj_v = nn.Linear(dim_in, dim_out, bias=qkv_bias)
        self.attn_drop = nn.Dropout(attn_drop)
        self.proj = nn.Linear(dim_out, dim_out)
        self.proj_drop = nn.Dropout(proj_drop)
        # template keys / values of set_online, reused by forward_test
        self._cached_kv: Optional[tuple[Tensor, Tensor]] = None

    def _build_projection(
        self, dim: int, kernel_size: int, padding: int, stride: int, method: str
    ) -> Optional[nn.Module]:
        if method == "dw_bn":
            conv = nn.Conv2d(
                dim, dim, kernel_size, stride=stride, padding=padding, bias=False, groups=dim
            )
            return nn.Sequential(
                OrderedDict([("conv", conv), build_norm_layer(self.norm_cfg, dim)])
            )
        if method == "avg":
            pool = nn.AvgPool2d(kernel_size, stride=stride, padding=padding, ceil_mode=True)
            return nn.Sequential(OrderedDict([("avg", pool)]))
        return None

    @staticmethod
    def _project(proj: Optional[nn.Module], maps: Tensor) -> Tensor:
        """``(B, C, H, W)`` maps -> ``(B, H' W', C)`` projected tokens."""
        return _to_tokens(maps if proj is None else proj(maps))

    def _heads(self, x: Tensor) -> Tensor:
        """``(B, L, C)`` -> ``(B, heads, L, C / heads)``."""
        b, n, c = x.shape
        return x.reshape(b, n, self.num_heads, c // self.num_heads).transpose(1, 2)

    def _attend(self, q: Tensor, k: Tensor, v: Tensor) -> Tensor:
        """Multi-head attention of ``(B, Lq, C)`` on ``(B, Lk, C)``; returns ``(B, Lq, C)``."""
        q, k, v = self._heads(q), self._heads(k), self._heads(v)
        attn = (q @ k.transpose(-2, -1) * self.scale).softmax(dim=-1)
        out = self.attn_drop(attn) @ v
        return out.transpose(1, 2).flatten(2)

    def _qkv(self, maps: Sequence[Tensor]) -> tuple[Tensor, Tensor, Tensor]:
        """Each map projected on its own, the tokens concatenated in order."""
        q = torch.cat([self._project(self.conv_proj_q, m) for m in maps], dim=1)
        k = torch.cat([self._project(self.conv_proj_k, m) for m in maps], dim=1)
        v = torch.cat([self._project(self.conv_proj_v, m) for m in maps], dim=1)
        return self.proj_q(q), self.proj_k(k), self.proj_v(v)

    def forward(
        self, x: Tensor, t_h: int, t_w: int, s_h: int, s_w: int, num_templates: int = 2
    ) -> Tensor:
        """Mixed attention over ``num_templates`` template maps and one search map.

        Args:
            x: ``(B, num_templates t_h t_w + s_h s_w, C)`` tokens, templates
                first (template, online template), search last.
            t_h: template map height.
            t_w: template map width.
            s_h: search map height.
            s_w: search map width.
            num_templates: template maps in ``x``. Defaults to 2.

        Returns:
            ``(B, L, dim_out)``: template tokens attended to template keys
            only, search tokens to all keys.
        """
        t_len = t_h * t_w
        parts = list(torch.split(x, [t_len] * num_templates + [s_h * s_w], dim=1))
        t_maps = [_to_map(p, t_h, t_w) for p in parts[:-1]]
        s_map = _to_map(parts[-1], s_h, s_w)
        q_t, k_t, v_t = self._qkv(t_maps)
        q_s, k_s, v_s = self._qkv([s_map])
        x_t = self._attend(q_t, k_t, v_t)
        x_s = self._attend(q_s, torch.cat([k_t, k_s], dim=1), torch.cat([v_t, v_s], dim=1))
        return self.proj_drop(self.proj(torch.cat([x_t, x_s], dim=1)))

    def set_online(self, x: Tensor, t_h: int, t_w: int) -> Tensor:
        """Template-only attention; caches the template keys / values for :meth:`forward_test`.

        Args:
            x: ``(1, (1 + N) t_h t_w, C)`` tokens of the template and ``N``
                online templates.
            t_h: template map height.
            t_w: template map width.

        Returns:
            ``(1, (1 + N) t_h t_w, dim_out)``.
        """
        num = x.shape[1] // (t_h * t_w)
        maps = [_to_map(p, t_h, t_w) for p in torch.split(x, t_h * t_w, dim=1)]
        q_t, k_t, v_t = self._qkv(maps[:num])
        self._cached_kv = (k_t, v_t)
        return self.proj_drop(self.proj(self._attend(q_t, k_t, v_t)))

    def forward_test(self, x: Tensor, s_h: int, s_w: int) -> Tensor:
        """Search tokens attended to the cached template and their own keys.

        Args:
            x: ``(B, s_h s_w, C)`` search tokens.
            s_h: search map height.
            s_w: search map width.

        Returns:
            ``(B, s_h s_w, dim_out)``.

        Raises:
            RuntimeError: :meth:`set_online` has not run.
        """
        if self._cached_kv is None:
            raise RuntimeError("MixedAttentionModule.forward_test called before set_online")
        k_t, v_t = self._cached_kv
        q_s, k_s, v_s = self._qkv([_to_map(x, s_h, s_w)])
        b = x.shape[0]
        k = torch.cat([k_t.expand(b, -1, -1), k_s], dim=1)
        v = torch.cat([v_t.expand(b, -1, -1), v_s], dim=1)
        return self.proj_drop(self.proj(self._attend(q_s, k, v)))


class MixFormerAttentionBlock(nn.Module):
    """Pre-norm block: mixed attention and a 2-layer GELU MLP, both residual.

    Args:
        dim_in: input channels.
        dim_out: output channels (equal to ``dim_in`` in every CvT stage).
        num_heads: attention heads.
        mlp_channel_ratio: MLP hidden width over ``dim_out``.
        qkv_bias: bias of the q / k / v linear layers.
        drop: dropout after the attention projection and in the MLP.
        attn_drop: dropout on the attention weights.
        path_drop_probs: stochastic depth rate of this block.
        norm_cfg: norm of the attention's conv projections.
        **attn_kwargs: projection settings of :class:`MixedAttentionModule`.
    """

    def __init__(
        self,
        dim_in: int,
        dim_out: int,
        num_heads: int,
        mlp_channel_ratio: float = 4.0,
        qkv_bias: bool = False,
        drop: float = 0.0,
        attn_drop: float = 0.0,
        path_drop_probs: float = 0.0,
        norm_cfg: Optional[dict] = None,
        **attn_kwargs,
    ) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(dim_in, eps=1e-5)
        self.attn = MixedAttentionModule(
            dim_in, dim_out, num_heads, qkv_bias, attn_drop, drop, norm_cfg=norm_cfg, **attn_kwargs
        )
        self.drop_path = DropPath(path_drop_probs) if path_drop_probs > 0.0 else nn.Identity()
        self.norm2 = nn.LayerNorm(dim_out, eps=1e-5)
        self.mlp = FFN(
            embed_dims=dim_out,
            feedforward_channels=int(dim_out * mlp_channel_ratio),
            num_fcs=2,
            act_cfg=dict(type="GELU"),
            ffn_drop=drop,
            add_identity=False,
        )

    def _mlp(self, x: Tensor) -> Tensor:
        return x + self.drop_path(self.mlp(self.norm2(x)))

    def forward(
        self, x: Tensor, t_h: int, t_w: int, s_h: int, s_w: int, num_templates: int = 2
    ) -> Tensor:
        """See :meth:`MixedAttentionModule.forward`."""
        x = x + self.drop_path(self.attn(self.norm1(x), t_h, t_w, s_h, s_w, num_templates))
        return self._mlp(x)

    def set_online(self, x: Tensor, t_h: int, t_w: int) -> Tensor:
        """See :meth:`MixedAttentionModule.set_online`."""
        return self._mlp(x + self.drop_path(self.attn.set_online(self.norm1(x), t_h, t_w)))

    def forward_test(self, x: Tensor, s_h: int, s_w: int) -> Tensor:
        """See :meth:`MixedAttentionModule.forward_test`."""
        return self._mlp(x + self.drop_path(self.attn.forward_test(self.norm1(x), s_h, s_w)))


class ConvEmbed(nn.Module):
    """Strided convolution + LayerNorm over channels (CvT's convolutional token embedding).

    Args:
        patch_size: kernel side.
        in_chans: input channels.
        embed_dim: output channels.
        stride: stride.
        padding: padding.
    """

    def __init__(
        self,
        patch_size: int = 7,
        in_chans: int = 3,
        embed_dim: int = 64,
        stride: int = 4,
        padding: int = 2,
    ) -> None:
        super().__init__()
        self.proj = nn.Conv2d(in_chans, embed_dim, patch_size, stride=stride, padding=padding)
        self.norm = nn.LayerNorm(embed_dim, eps=1e-5)

    def forward(self, x: Tensor) -> Tensor:
        """``(B, C_in, H, W)`` -> ``(B, embed_dim, H', W')``."""
        x = self.proj(x)
        h, w = x.shape[-2:]
        return _to_map(self.norm(_to_tokens(x)), h, w)


class ConvVisionTransformerLayer(BaseModule):
    """One CvT stage: a :class:`ConvEmbed` and ``depth`` mixed-attention blocks.

    Args:
        patch_size: embedding kernel.
        patch_stride: embedding stride.
        patch_padding: embedding padding.
        in_chans: input channels.
        embed_dim: token width.
        depth: blocks.
        num_heads: attention heads.
        mlp_channel_ratio: MLP hidden width ratio.
        qkv_bias: q / k / v bias.
        drop_rate: dropout after the embedding and in the blocks.
        attn_drop_rate: attention dropout.
        path_drop_probs: stochastic depth of the last block (linear from 0).
        norm_cfg: norm of the conv projections.
        **attn_kwargs: projection settings of :class:`MixedAttentionModule`.
    """

    def __init__(
        self,
        patch_size: int = 16,
        patch_stride: int = 16,
        patch_padding: int = 0,
        in_chans: int = 3,
        embed_dim: int = 768,
        depth: int = 12,
        num_heads: int = 12,
        mlp_channel_ratio: float = 4.0,
        qkv_bias: bool = False,
        drop_rate: float = 0.0,
        attn_drop_rate: float = 0.0,
        path_drop_probs: float = 0.0,
        norm_cfg: Optional[dict] = None,
        **attn_kwargs,
    ) -> None:
        super().__init__()
        self.embed_dim = embed_dim
        self.patch_embed = ConvEmbed(patch_size, in_chans, embed_dim, patch_stride, patch_padding)
        self.pos_drop = nn.Dropout(p=drop_rate)
        rates = torch.linspace(0, path_drop_probs, depth).tolist() if depth else []
        self.blocks = nn.ModuleList(
            MixFormerAttentionBlock(
                embed_dim,
                embed_dim,
                num_heads,
                mlp_channel_ratio=mlp_channel_ratio,
                qkv_bias=qkv_bias,
                drop=drop_rate,
                attn_drop=attn_drop_rate,
                path_drop_probs=rate,
                norm_cfg=norm_cfg,
                **attn_kwargs,
            )
            for rate in rates
        )

    def forward(self, templates: Sequence[Tensor], search: Tensor) -> tuple[list[Tensor], Tensor]:
        """Joint pass: template maps ``(B, C, H_t, W_t)``, search map ``(B, C, H_s, W_s)``."""
        t_maps = [self.patch_embed(t) for t in templates]
        s_map = self.patch_embed(search)
        (t_h, t_w), (s_h, s_w) = t_maps[0].shape[-2:], s_map.shape[-2:]
        x = self.pos_drop(torch.cat([_to_tokens(t) for t in t_maps] + [_to_tokens(s_map)], dim=1))
        for blk in self.blocks:
            x = blk(x, t_h, t_w, s_h, s_w, len(t_maps))
        parts = torch.split(x, [t_h * t_w] * len(t_maps) + [s_h * s_w], dim=1)
        return [_to_map(p, t_h, t_w) for p in parts[:-1]], _to_map(parts[-1], s_h, s_w)

    def set_online(self, templates: Tensor) -> Tensor:
        """Template pass, caching keys / values: ``(1 + N, C, H, W)`` -> ``(1 + N, C', H', W')``."""
        maps = self.patch_embed(templates)
        t_h, t_w = maps.shape[-2:]
        x = self.pos_drop(_to_tokens(maps).reshape(1, -1, maps.shape[1]))
        for blk in self.blocks:
            x = blk.set_online(x, t_h, t_w)
        return _to_map(x.reshape(maps.shape[0], t_h * t_w, -1), t_h, t_w)

    def forward_test(self, search: Tensor) -> Tensor:
        """Search pass against the cached templates: ``(B, C, H, W)`` -> ``(B, C', H', W')``."""
        s_map = self.patch_embed(search)
        s_h, s_w = s_map.shape[-2:]
        x = self.pos_drop(_to_tokens(s_map))
        for blk in self.blocks:
            x = blk.forward_test(x, s_h, s_w)
        return _to_map(x, s_h, s_w)


@MODELS.register_module()
class ConvVisionTransformer(BaseModule):
    """CvT with mixed attention, MixFormer's backbone (CvT-21 by default).

    Args:
        in_chans: image channels.
        init: ``'trunc_norm'`` (std 0.02) or ``'xavier'`` for the linear layers.
        num_stages: stages.
        patch_size: embedding kernel per stage.
        patch_stride: embedding stride per stage (total stride 16 by default).
        patch_padding: embedding padding per stage.
        dim_embed: token width per stage.
        num_heads: attention heads per stage.
        depth: blocks per stage.
        mlp_channel_ratio: MLP hidden ratio per stage.
        attn_drop_rate: attention dropout per stage.
        drop_rate: dropout per stage.
        path_drop_probs: stochastic depth per stage.
        qkv_bias: q / k / v bias per stage.
        qkv_proj_method: projection method per stage.
        kernel_qkv: projection kernel per stage.
        padding_kv: key / value projection padding per stage.
        stride_kv: key / value projection stride per stage.
        padding_q: query projection padding per stage.
        stride_q: query projection stride per stage.
        norm_cfg: norm of the conv projections (frozen BN, as in MMTracking).
        norm_eval: keep the BN layers in eval mode (their running statistics
            fixed) while training. Defaults to True: in train mode each
            image kind (templates, search) would be normalised with its own
            batch statistics but tested with their mixed running averages.
        init_cfg: initialisation config. Defaults to None.
    """

    def __init__(
        self,
        in_chans: int = 3,
        init: str = "trunc_norm",
        num_stages: int = 3,
        patch_size: Sequence[int] = (7, 3, 3),
        patch_stride: Sequence[int] = (4, 2, 2),
        patch_padding: Sequence[int] = (2, 1, 1),
        dim_embed: Sequence[int] = (64, 192, 384),
        num_heads: Sequence[int] = (1, 3, 6),
        depth: Sequence[int] = (1, 4, 16),
        mlp_channel_ratio: Sequence[float] = (4, 4, 4),
        attn_drop_rate: Sequence[float] = (0.0, 0.0, 0.0),
        drop_rate: Sequence[float] = (0.0, 0.0, 0.0),
        path_drop_probs: Sequence[float] = (0.0, 0.0, 0.1),
        qkv_bias: Sequence[bool] = (True, True, True),
        qkv_proj_method: Sequence[str] = ("dw_bn", "dw_bn", "dw_bn"),
        kernel_qkv: Sequence[int] = (3, 3, 3),
        padding_kv: Sequence[int] = (1, 1, 1),
        stride_kv: Sequence[int] = (2, 2, 2),
        padding_q: Sequence[int] = (1, 1, 1),
        stride_q: Sequence[int] = (1, 1, 1),
        norm_cfg: Optional[dict] = None,
        norm_eval: bool = True,
        init_cfg: Optional[dict] = None,
    ) -> None:
        super().__init__(init_cfg)
        self.norm_eval = norm_eval
        per_stage = dict(
            patch_size=patch_size, patch_stride=patch_stride, patch_padding=patch_padding,
            dim_embed=dim_embed, num_heads=num_heads, depth=depth,
            mlp_channel_ratio=mlp_channel_ratio, attn_drop_rate=attn_drop_rate,
            drop_rate=drop_rate, path_drop_probs=path_drop_probs, qkv_bias=qkv_bias,
            qkv_proj_method=qkv_proj_method, kernel_qkv=kernel_qkv, padding_kv=padding_kv,
            stride_kv=stride_kv, padding_q=padding_q, stride_q=stride_q,
        )  # fmt: skip
        for name, values in per_stage.items():
            if len(values) != num_stages:
                raise ValueError(
                    f"ConvVisionTransformer: {name} has {len(values)} values, num_stages is "
                    f"{num_stages}: {list(values)}"
                )
        if init not in ("trunc_norm", "xavier"):
            raise ValueError(
                f"ConvVisionTransformer: init must be 'trunc_norm' or 'xavier', got {init!r}"
            )
        self.init = init
        self.num_stages = num_stages
        norm_cfg = norm_cfg or dict(type="BN", requires_grad=False)
        for i in range(num_stages):
            stage = ConvVisionTransformerLayer(
                patch_size=patch_size[i],
                patch_stride=patch_stride[i],
                patch_padding=patch_padding[i],
                in_chans=in_chans,
                embed_dim=dim_embed[i],
                depth=depth[i],
                num_heads=num_heads[i],
                mlp_channel_ratio=mlp_channel_ratio[i],
                qkv_bias=qkv_bias[i],
                drop_rate=drop_rate[i],
                attn_drop_rate=attn_drop_rate[i],
                path_drop_probs=path_drop_probs[i],
                norm_cfg=norm_cfg,
                method=qkv_proj_method[i],
                kernel_size=kernel_qkv[i],
                padding_q=padding_q[i],
                padding_kv=padding_kv[i],
                stride_kv=stride_kv[i],
                stride_q=stride_q[i],
            )
            setattr(self, f"stage{i}", stage)
            in_chans = dim_embed[i]
        self.out_channels = dim_embed[-1]
        # unused by tracking; kept so that CvT / MixFormer checkpoints load strictly
        self.norm = nn.LayerNorm(dim_embed[-1], eps=1e-5)
        self.head = nn.Linear(dim_embed[-1], 1000)
        self._template: Optional[Tensor] = None

    def init_weights(self) -> None:
        """``init_cfg`` if given; else trunc-normal / Xavier linear layers and unit norms."""
        if self.init_cfg is not None:
            super().init_weights()
            return
        for m in self.modules():
            if isinstance(m, nn.Linear):
                if self.init == "xavier":
                    nn.init.xavier_uniform_(m.weight)
                else:
                    trunc_normal_(m.weight, std=0.02)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, (nn.LayerNorm, nn.BatchNorm2d)):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        self._is_init = True

    def train(self, mode: bool = True) -> ConvVisionTransformer:
        """Train mode; the BN layers stay in eval mode with ``norm_eval``."""
        super().train(mode)
        if mode and self.norm_eval:
            for m in self.modules():
                if isinstance(m, nn.modules.batchnorm._BatchNorm):
                    m.eval()
        return self

    def _check(self, name: str, x: Tensor) -> None:
        if x.dim() != 4:
            raise ValueError(
                f"ConvVisionTransformer: {name} must be (B, C, H, W), got {tuple(x.shape)}"
            )

    def forward(
        self, template: Tensor, online_template: Tensor, search: Tensor
    ) -> tuple[Tensor, Tensor]:
        """Joint pass (training).

        Args:
            template: ``(B, 3, H_t, W_t)`` first-frame template crops.
            online_template: ``(B, 3, H_t, W_t)`` online template crops.
            search: ``(B, 3, H_s, W_s)`` search crops.

        Returns:
            ``template`` ``(B, C, H_t / 16, W_t / 16)`` (the first template's
            features) and ``search`` ``(B, C, H_s / 16, W_s / 16)``.
        """
        for name, x in (
            ("template", template),
            ("online_template", online_template),
            ("search", search),
        ):
            self._check(name, x)
        if template.shape != online_template.shape:
            raise ValueError(
                f"ConvVisionTransformer: template {tuple(template.shape)} and online_template "
                f"{tuple(online_template.shape)} differ"
            )
        templates = [template, online_template]
        for i in range(self.num_stages):
            templates, search = getattr(self, f"stage{i}")(templates, search)
        return templates[0], search

    def set_online(self, template: Tensor, online_template: Tensor) -> None:
        """Template pass (tracking): caches every stage's template keys / values.

        Args:
            template: ``(1, 3, H_t, W_t)`` first-frame template.
            online_template: ``(N, 3, H_t, W_t)`` online templates.
        """
        self._check("template", template)
        self._check("online_template", online_template)
        x = torch.cat([template, online_template], dim=0)
        for i in range(self.num_stages):
            x = getattr(self, f"stage{i}").set_online(x)
        self._template = x[:1]

    def forward_test(self, search: Tensor) -> tuple[Tensor, Tensor]:
        """Search pass (tracking) against the templates of :meth:`set_online`.

        Args:
            search: ``(B, 3, H_s, W_s)``.

        Returns:
            ``template`` ``(1, C, H_t / 16, W_t / 16)`` and ``search``
            ``(B, C, H_s / 16, W_s / 16)`` features.
        """
        if self._template is None:
            raise RuntimeError("ConvVisionTransformer.forward_test called before set_online")
        self._check("search", search)
        for i in range(self.num_stages):
            search = getattr(self, f"stage{i}").forward_test(search)
        return self._template, search
