"""One-stream ViT with candidate elimination (OSTrack, Ye et al., ECCV 2022).

Template and search patches are embedded by one patch embedding, get their own
position embeddings and are concatenated into one token sequence, so every
block does feature extraction and template-search relation modelling at once.
At the candidate-elimination (CE) blocks the search tokens the template
attends to least are dropped from all later blocks; at the output they are put
back (as zeros) at their grid positions so the head sees a dense map.

Module and parameter names follow the OSTrack repository
(``patch_embed.proj``, ``pos_embed_z``, ``pos_embed_x``, ``blocks.<i>.attn.qkv``,
``blocks.<i>.mlp.fc1``, ``norm``, ...), so its checkpoints load key for key.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Optional

import torch
import torch.nn.functional as F
from mmengine.logging import print_log
from mmengine.model import BaseModule
from torch import Tensor, nn
from torchvision.ops import StochasticDepth

from mmtrack.registry import MODELS

_TEMPLATE_RANGES = ("ALL", "CTR_POINT", "CTR_REC")


class PatchEmbed(nn.Module):
    """Non-overlapping patches to tokens: ``Conv2d(k=s=patch_size)`` then flatten.

    Args:
        patch_size: Patch side in pixels.
        in_channels: Image channels.
        embed_dims: Token width.
    """

    def __init__(self, patch_size: int = 16, in_channels: int = 3, embed_dims: int = 768) -> None:
        super().__init__()
        self.patch_size = patch_size
        self.proj = nn.Conv2d(in_channels, embed_dims, kernel_size=patch_size, stride=patch_size)

    def forward(self, x: Tensor) -> Tensor:
        """``(B, C, H, W)`` image to ``(B, H/p * W/p, embed_dims)`` tokens (row-major)."""
        return self.proj(x).flatten(2).transpose(1, 2)


class Attention(nn.Module):
    """Multi-head self-attention that can return its attention weights.

    Args:
        dim: Token width.
        num_heads: Number of heads.
        qkv_bias: Bias in the joint ``qkv`` projection.
        attn_drop: Dropout on the attention weights.
        proj_drop: Dropout after the output projection.
    """

    def __init__(
        self,
        dim: int,
        num_heads: int = 8,
        qkv_bias: bool = True,
        attn_drop: float = 0.0,
        proj_drop: float = 0.0,
    ) -> None:
        super().__init__()
        if dim % num_heads:
            raise ValueError(f"Attention: dim {dim} is not divisible by num_heads {num_heads}")
        self.num_heads = num_heads
        self.scale = (dim // num_heads) ** -0.5
        self.qkv = nn.Linear(dim, dim * 3, bias=qkv_bias)
        self.attn_drop = nn.Dropout(attn_drop)
        self.proj = nn.Linear(dim, dim)
        self.proj_drop = nn.Dropout(proj_drop)

    def forward(self, x: Tensor, need_weights: bool = False) -> tuple[Tensor, Optional[Tensor]]:
        """Attend over ``x`` ``(B, N, C)``.

        Returns:
            ``(out (B, N, C), attn (B, heads, N, N) or None)``; the weights
            (after softmax, before dropout) only with ``need_weights``.
        """
        b, n, c = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.num_heads, c // self.num_heads)
        q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)
        if need_weights:
            attn = (q @ k.transpose(-2, -1) * self.scale).softmax(dim=-1)
            out = self.attn_drop(attn) @ v
        else:
            attn = None
            drop = self.attn_drop.p if self.training else 0.0
            out = F.scaled_dot_product_attention(q, k, v, dropout_p=drop)
        out = out.transpose(1, 2).reshape(b, n, c)
        return self.proj_drop(self.proj(out)), attn


class Mlp(nn.Module):
    """Two-layer perceptron ``fc1 -> GELU -> fc2`` (timm's names).

    Args:
        dim: Input and output width.
        hidden_dim: Hidden width.
        drop: Dropout after each layer.
    """

    def __init__(self, dim: int, hidden_dim: int, drop: float = 0.0) -> None:
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden_dim)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden_dim, dim)
        self.drop = nn.Dropout(drop)

    def forward(self, x: Tensor) -> Tensor:
        """``(..., dim)`` to ``(..., dim)``."""
        return self.drop(self.fc2(self.drop(self.act(self.fc1(x)))))


def candidate_elimination(
    attn: Tensor,
    tokens: Tensor,
    num_template: int,
    keep_ratio: float,
    global_index: Tensor,
    template_mask: Optional[Tensor] = None,
) -> tuple[Tensor, Tensor, Optional[Tensor]]:
    """Keep the search tokens the template attends to most (OSTrack's CE).

    Steps: (1) the template-to-search attention ``attn[:, :, :L_t, L_t:]`` is
    averaged over the template tokens (those of ``template_mask`` when given)
    and over the heads, one score per search token; (2) the
    ``ceil(keep_ratio * L_s)`` highest-scoring search tokens are kept, in
    descending score order; (3) the others are dropped.

    Args:
        attn: ``(B, heads, L_t + L_s, L_t + L_s)`` attention weights.
        tokens: ``(B, L_t + L_s, C)`` template then search tokens.
        num_template: ``L_t``.
        keep_ratio: Fraction of search tokens to keep, in (0, 1].
        global_index: ``(B, L_s)`` grid index (row-major) of each search token.
        template_mask: ``(B, L_t)`` bool, the template tokens that vote; all
            of them when None.

    Returns:
        ``(tokens (B, L_t + K, C), kept global index (B, K), removed global
        index (B, L_s - K) or None when nothing is removed)``.
    """
    num_search = attn.shape[-1] - num_template
    num_keep = math.ceil(keep_ratio * num_search)
    if num_keep >= num_search:
        return tokens, global_index, None
    attn_t = attn[:, :, :num_template, num_template:]  # (B, heads, L_t, L_s)
    if template_mask is not None:
        weights = template_mask.to(attn_t.dtype)[:, None, :, None]
        score = (attn_t * weights).sum(2) / weights.sum(2).clamp(min=1)
    else:
        score = attn_t.mean(dim=2)
    score = score.mean(dim=1)  # (B, L_s)
    order = torch.sort(score, dim=1, descending=True).indices
    keep_idx, drop_idx = order[:, :num_keep], order[:, num_keep:]
    search = tokens[:, num_template:]
    kept = search.gather(1, keep_idx.unsqueeze(-1).expand(-1, -1, search.shape[-1]))
    tokens = torch.cat([tokens[:, :num_template], kept], dim=1)
    return tokens, global_index.gather(1, keep_idx), global_index.gather(1, drop_idx)


class CEBlock(nn.Module):
    """Pre-norm transformer block with optional candidate elimination.

    ``x = x + attn(norm1(x))``; if the block eliminates (``keep_ratio_search``
    < 1 and the runtime keep rate is not 1), the search tokens are pruned
    between attention and MLP; ``x = x + mlp(norm2(x))``.

    Args:
        dim: Token width.
        num_heads: Attention heads.
        mlp_ratio: MLP hidden width over ``dim``.
        qkv_bias: Bias in ``qkv``.
        drop: Dropout after projections.
        attn_drop: Dropout on attention weights.
        drop_path: Stochastic depth rate of both residual branches.
        keep_ratio_search: Fraction of search tokens kept by this block (1: no CE).
    """

    def __init__(
        self,
        dim: int,
        num_heads: int,
        mlp_ratio: float = 4.0,
        qkv_bias: bool = True,
        drop: float = 0.0,
        attn_drop: float = 0.0,
        drop_path: float = 0.0,
        keep_ratio_search: float = 1.0,
    ) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(
            dim, num_heads, qkv_bias=qkv_bias, attn_drop=attn_drop, proj_drop=drop
        )
        self.drop_path = StochasticDepth(drop_path, "row") if drop_path > 0 else nn.Identity()
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = Mlp(dim, int(dim * mlp_ratio), drop=drop)
        self.keep_ratio_search = keep_ratio_search

    def forward(
        self,
        x: Tensor,
        num_template: int,
        global_index_s: Tensor,
        template_mask: Optional[Tensor] = None,
        keep_rate: Optional[float] = None,
    ) -> tuple[Tensor, Tensor, Optional[Tensor]]:
        """Run the block.

        Args:
            x: ``(B, L_t + L_s, C)`` tokens.
            num_template: ``L_t``.
            global_index_s: ``(B, L_s)`` grid index of the search tokens.
            template_mask: ``(B, L_t)`` bool voters for CE (None: all).
            keep_rate: Runtime keep rate replacing ``keep_ratio_search`` at
                CE blocks (the training schedule); None keeps the block's own.

        Returns:
            ``(x, global_index_s, removed_index_s or None)``.
        """
        eliminate = self.keep_ratio_search < 1 and (keep_rate is None or keep_rate < 1)
        x_attn, attn = self.attn(self.norm1(x), need_weights=eliminate)
        x = x + self.drop_path(x_attn)
        removed = None
        if eliminate:
            ratio = self.keep_ratio_search if keep_rate is None else keep_rate
            x, global_index_s, removed = candidate_elimination(
                attn, x, num_template, ratio, global_index_s, template_mask
            )
        x = x + self.drop_path(self.mlp(self.norm2(x)))
        return x, global_index_s, removed


def interpolate_pos_embed(pos_embed: Tensor, grid_size: int, num_extra_tokens: int = 1) -> Tensor:
    """Resize a square ViT position embedding to another grid (bicubic).

    Args:
        pos_embed: ``(1, num_extra_tokens + G * G, C)`` (cls token first).
        grid_size: Output grid side ``g``.
        num_extra_tokens: Leading non-patch tokens to drop. Defaults to 1.

    Returns:
        ``(1, g * g, C)`` row-major patch position embedding.
    """
    patch = pos_embed[:, num_extra_tokens:]
    old = int(round(math.sqrt(patch.shape[1])))
    if old * old != patch.shape[1]:
        raise ValueError(
            f"interpolate_pos_embed: {patch.shape[1]} patch positions are not a square grid"
        )
    grid = patch.transpose(1, 2).reshape(1, -1, old, old)
    grid = F.interpolate(grid, size=(grid_size, grid_size), mode="bicubic", align_corners=False)
    return grid.flatten(2).transpose(1, 2)


@MODELS.register_module()
class VisionTransformerCE(BaseModule):
    """ViT backbone over template + search tokens with candidate elimination.

    Args:
        template_size: Template crop side in pixels (128 for OSTrack-256).
        search_size: Search crop side in pixels (256 or 384).
        patch_size: Patch side (stride of the output map). Defaults to 16.
        in_channels: Image channels. Defaults to 3.
        embed_dims: Token width (768 for ViT-B).
        depth: Number of blocks (12 for ViT-B).
        num_heads: Attention heads (12 for ViT-B).
        mlp_ratio: MLP hidden width over ``embed_dims``. Defaults to 4.
        qkv_bias: Bias in ``qkv``. Defaults to True.
        drop_rate: Dropout after embeddings and projections. Defaults to 0.
        attn_drop_rate: Dropout on attention weights. Defaults to 0.
        drop_path_rate: Stochastic depth of the last block; it rises linearly
            from 0 over the blocks. Defaults to 0.1.
        ce_loc: 0-based indices of the CE blocks. Defaults to (3, 6, 9).
        ce_keep_ratio: Keep ratio of each CE block. Defaults to (0.7, 0.7, 0.7).
        ce_template_range: Template tokens whose attention scores the search
            tokens: ``'ALL'``, ``'CTR_POINT'`` (the centre token, the released
            configs) or ``'CTR_REC'`` (the central 2x2). Defaults to ``'CTR_POINT'``.
        pretrain_img_size: Image side of the pretrained ViT whose
            ``pos_embed`` (``(1, 1 + (s/p)^2, C)``) is kept and interpolated
            into ``pos_embed_z`` / ``pos_embed_x``. Defaults to 224.
        init_cfg: ``dict(type='Pretrained', checkpoint=PATH)`` loads an MAE/ViT
            (``model``/``state_dict``, optional ``backbone.`` prefix) or
            OSTrack checkpoint safely. Defaults to None.
    """

    def __init__(
        self,
        template_size: int = 128,
        search_size: int = 256,
        patch_size: int = 16,
        in_channels: int = 3,
        embed_dims: int = 768,
        depth: int = 12,
        num_heads: int = 12,
        mlp_ratio: float = 4.0,
        qkv_bias: bool = True,
        drop_rate: float = 0.0,
        attn_drop_rate: float = 0.0,
        drop_path_rate: float = 0.1,
        ce_loc: Sequence[int] = (3, 6, 9),
        ce_keep_ratio: Sequence[float] = (0.7, 0.7, 0.7),
        ce_template_range: str = "CTR_POINT",
        pretrain_img_size: int = 224,
        init_cfg: Optional[dict] = None,
    ) -> None:
        super().__init__(init_cfg)
        for name, size in (
            ("template_size", template_size),
            ("search_size", search_size),
            ("pretrain_img_size", pretrain_img_size),
        ):
            if size <= 0 or size % patch_size:
                raise ValueError(
                    f"VisionTransformerCE: {name} {size} must be a positive multiple of "
                    f"patch_size {patch_size}"
                )
        ce_loc, ce_keep_ratio = list(ce_loc or []), list(ce_keep_ratio or [])
        if len(ce_loc) != len(ce_keep_ratio):
            raise ValueError(
                f"VisionTransformerCE: ce_loc {ce_loc} and ce_keep_ratio {ce_keep_ratio} need "
                "one keep ratio per CE block"
            )
        if any(not 0 <= i < depth for i in ce_loc):
            raise ValueError(f"VisionTransformerCE: ce_loc {ce_loc} outside 0..{depth - 1}")
        if any(not 0 < r <= 1 for r in ce_keep_ratio):
            raise ValueError(f"VisionTransformerCE: ce_keep_ratio {ce_keep_ratio} not in (0, 1]")
        if ce_template_range not in _TEMPLATE_RANGES:
            raise ValueError(
                f"VisionTransformerCE: ce_template_range must be one of {_TEMPLATE_RANGES}, "
                f"got {ce_template_range!r}"
            )
        self.template_size, self.search_size = template_size, search_size
        self.patch_size = patch_size
        self.embed_dims = embed_dims
        self.ce_loc = ce_loc
        self.ce_keep_ratio = ce_keep_ratio
        self.ce_template_range = ce_template_range
        self.template_feat_size = template_size // patch_size
        self.search_feat_size = search_size // patch_size

        self.patch_embed = PatchEmbed(patch_size, in_channels, embed_dims)
        num_pretrain = (pretrain_img_size // patch_size) ** 2
        self.cls_token = nn.Parameter(torch.zeros(1, 1, embed_dims))
        self.pos_embed = nn.Parameter(torch.zeros(1, num_pretrain + 1, embed_dims))
        self.pos_embed_z = nn.Parameter(torch.zeros(1, self.template_feat_size**2, embed_dims))
        self.pos_embed_x = nn.Parameter(torch.zeros(1, self.search_feat_size**2, embed_dims))
        self.pos_drop = nn.Dropout(drop_rate)
        rates = torch.linspace(0, drop_path_rate, depth).tolist()
        keep = {loc: ratio for loc, ratio in zip(ce_loc, ce_keep_ratio)}
        self.blocks = nn.Sequential(
            *[
                CEBlock(
                    embed_dims,
                    num_heads,
                    mlp_ratio,
                    qkv_bias,
                    drop_rate,
                    attn_drop_rate,
                    rates[i],
                    keep_ratio_search=keep.get(i, 1.0),
                )
                for i in range(depth)
            ]
        )
        self.norm = nn.LayerNorm(embed_dims, eps=1e-6)

    # ------------------------------------------------------------------ init
    def init_weights(self) -> None:
        """Truncated-normal linears and position embeddings, or a checkpoint.

        With a ``Pretrained`` ``init_cfg`` the checkpoint is loaded safely
        (non-strict); when it has no ``pos_embed_z`` / ``pos_embed_x`` (an
        MAE/ViT image model) they are interpolated from its ``pos_embed``, as
        OSTrack's ``finetune_track`` does.
        """
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.trunc_normal_(m.weight, std=0.02)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.LayerNorm):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        nn.init.trunc_normal_(self.pos_embed, std=0.02)
        nn.init.normal_(self.cls_token, std=1e-6)
        self.reset_track_pos_embed()
        cfg = self.init_cfg
        if isinstance(cfg, dict) and cfg.get("type") == "Pretrained":
            self._load_pretrained(cfg["checkpoint"], cfg.get("prefix"))

    def reset_track_pos_embed(self) -> None:
        """Set ``pos_embed_z`` / ``pos_embed_x`` from ``pos_embed`` (bicubic)."""
        with torch.no_grad():
            self.pos_embed_z.copy_(interpolate_pos_embed(self.pos_embed, self.template_feat_size))
            self.pos_embed_x.copy_(interpolate_pos_embed(self.pos_embed, self.search_feat_size))

    def _load_pretrained(self, checkpoint: str, prefix: Optional[str]) -> None:
        from mmtrack.utils.checkpoint import safe_torch_load

        ckpt = safe_torch_load(checkpoint, map_location="cpu")
        state = ckpt
        for key in ("state_dict", "model", "net"):
            if isinstance(ckpt, dict) and isinstance(ckpt.get(key), dict):
                state = ckpt[key]
                break
        prefixes = [prefix + "."] if prefix else ["backbone.", "module.backbone.", ""]
        for p in prefixes:
            sub = {k[len(p) :]: v for k, v in state.items() if k.startswith(p)}
            if sub and any(k.startswith("blocks.") for k in sub):
                state = sub
                break
        state = dict(state)
        track_pos = "pos_embed_z" in state and "pos_embed_x" in state
        if "pos_embed" in state and state["pos_embed"].shape != self.pos_embed.shape:
            # another pretraining resolution: resize the patch part, keep the cls token
            side = int(round(math.sqrt(self.pos_embed.shape[1] - 1)))
            old = state["pos_embed"]
            state["pos_embed"] = torch.cat([old[:, :1], interpolate_pos_embed(old, side)], dim=1)
        missing, unexpected = self.load_state_dict(state, strict=False)
        if not track_pos:
            self.reset_track_pos_embed()
            missing = [k for k in missing if k not in ("pos_embed_z", "pos_embed_x")]
        print_log(
            f"VisionTransformerCE: loaded {checkpoint}; missing keys {missing}, "
            f"unexpected keys {unexpected[:10]}{' ...' if len(unexpected) > 10 else ''}",
            logger="current",
        )

    # --------------------------------------------------------------- forward
    def template_mask(self, batch_size: int, device: torch.device) -> Optional[Tensor]:
        """``(B, L_t)`` bool template tokens voting in CE (None for ``'ALL'``)."""
        if self.ce_template_range == "ALL" or not self.ce_loc:
            return None
        n = self.template_feat_size
        c = (n - 1) // 2
        width = 1 if self.ce_template_range == "CTR_POINT" else 2
        mask = torch.zeros(batch_size, n, n, dtype=torch.bool, device=device)
        mask[:, c : c + width, c : c + width] = True
        return mask.flatten(1)

    def forward(
        self,
        template: Tensor,
        search: Tensor,
        ce_template_mask: Optional[Tensor] = None,
        ce_keep_rate: Optional[float] = None,
    ) -> tuple[Tensor, dict]:
        """Joint feature extraction and relation modelling.

        Args:
            template: ``(B, 3, H_z, W_z)`` normalised template crops.
            search: ``(B, 3, H_x, W_x)`` normalised search crops.
            ce_template_mask: ``(B, L_t)`` bool CE voters; None uses
                :meth:`template_mask`.
            ce_keep_rate: Runtime keep rate of the CE blocks (training
                schedule); None uses ``ce_keep_ratio``.

        Returns:
            ``(tokens, aux)``: ``tokens`` ``(B, L_t + L_s, C)``, template tokens
            then all ``L_s`` search tokens in grid order (eliminated ones are
            zeros); ``aux`` has ``removed_indexes_s`` (list of ``(B, n_i)``
            grid indices per CE block) and ``num_search_tokens`` (search tokens
            entering the head after each block).
        """
        if (
            template.shape[-2:] != (self.template_size,) * 2
            or search.shape[-2:] != (self.search_size,) * 2
        ):
            raise ValueError(
                f"VisionTransformerCE: expects template {self.template_size}x"
                f"{self.template_size} and search {self.search_size}x{self.search_size}, got "
                f"{tuple(template.shape[-2:])} and {tuple(search.shape[-2:])}"
            )
        b = search.shape[0]
        z = self.patch_embed(template) + self.pos_embed_z
        x = self.patch_embed(search) + self.pos_embed_x
        num_t, num_s = z.shape[1], x.shape[1]
        tokens = self.pos_drop(torch.cat([z, x], dim=1))
        if ce_template_mask is None:
            ce_template_mask = self.template_mask(b, search.device)
        global_index_s = torch.arange(num_s, device=search.device).expand(b, num_s)
        removed_all, counts = [], []
        for blk in self.blocks:
            tokens, global_index_s, removed = blk(
                tokens, num_t, global_index_s, ce_template_mask, ce_keep_rate
            )
            if removed is not None:
                removed_all.append(removed)
            counts.append(int(global_index_s.shape[1]))
        tokens = self.norm(tokens)
        z, x = tokens[:, :num_t], tokens[:, num_t:]
        if removed_all:
            # scatter the kept tokens back to their grid positions, zeros elsewhere
            full = x.new_zeros(b, num_s, x.shape[-1])
            x = full.scatter(1, global_index_s.unsqueeze(-1).expand(-1, -1, x.shape[-1]), x)
        return torch.cat([z, x], dim=1), dict(
            removed_indexes_s=removed_all, num_search_tokens=counts
        )
