"""MMTracking 1.x Mask2Former-VIS R-50 checkpoint keys, written from the original modules.

mmdet ResNet-50; MMTracking 1.x ``Mask2FormerHead`` with mmdet 3.0.0rc
``MSDeformAttnPixelDecoder`` and ``DetrTransformerDecoder`` of mmcv
``BaseTransformerLayer`` with ``operation_order=('cross_attn', 'norm',
'self_attn', 'norm', 'ffn', 'norm')`` (``attentions.0`` the cross,
``attentions.1`` the self attention). Not derived from mmtrack's modules.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).parents[2]
PIXEL_DECODER_KEYS = ROOT / "tests" / "data" / "mask2former_pixel_decoder_keys.txt"
BN = ("weight", "bias", "running_mean", "running_var", "num_batches_tracked")


def _bn(prefix: str, c: int) -> dict[str, tuple[int, ...]]:
    return {f"{prefix}.{n}": (() if n == "num_batches_tracked" else (c,)) for n in BN}


def _resnet50(prefix: str = "backbone") -> dict[str, tuple[int, ...]]:
    keys = {f"{prefix}.conv1.weight": (64, 3, 7, 7), **_bn(f"{prefix}.bn1", 64)}
    inplanes = 64
    for stage, (blocks, width) in enumerate(zip((3, 4, 6, 3), (64, 128, 256, 512)), start=1):
        out = width * 4
        for b in range(blocks):
            p = f"{prefix}.layer{stage}.{b}"
            cin = inplanes if b == 0 else out
            keys[f"{p}.conv1.weight"] = (width, cin, 1, 1)
            keys.update(_bn(f"{p}.bn1", width))
            keys[f"{p}.conv2.weight"] = (width, width, 3, 3)
            keys.update(_bn(f"{p}.bn2", width))
            keys[f"{p}.conv3.weight"] = (out, width, 1, 1)
            keys.update(_bn(f"{p}.bn3", out))
            if b == 0:
                keys[f"{p}.downsample.0.weight"] = (out, cin, 1, 1)
                keys.update(_bn(f"{p}.downsample.1", out))
        inplanes = out
    return keys


def checkpoint_keys_1x(num_classes: int = 40, num_queries: int = 100) -> dict:
    """MMTracking 1.x mask2former_r50_8xb2-8e_youtubevis20{19,21} state dict: key -> shape."""
    keys = _resnet50()
    for line in PIXEL_DECODER_KEYS.read_text().splitlines():
        if line and not line.startswith("#"):
            _, old, shape = line.split()
            keys[f"track_head.pixel_decoder.{old}"] = tuple(int(v) for v in shape.split(","))
    c = 256
    for i in range(9):
        p = f"track_head.transformer_decoder.layers.{i}"
        for a in (0, 1):  # 0: cross attention, 1: self attention (operation order)
            keys[f"{p}.attentions.{a}.attn.in_proj_weight"] = (3 * c, c)
            keys[f"{p}.attentions.{a}.attn.in_proj_bias"] = (3 * c,)
            keys[f"{p}.attentions.{a}.attn.out_proj.weight"] = (c, c)
            keys[f"{p}.attentions.{a}.attn.out_proj.bias"] = (c,)
        keys[f"{p}.ffns.0.layers.0.0.weight"] = (2048, c)
        keys[f"{p}.ffns.0.layers.0.0.bias"] = (2048,)
        keys[f"{p}.ffns.0.layers.1.weight"] = (c, 2048)
        keys[f"{p}.ffns.0.layers.1.bias"] = (c,)
        for n in range(3):
            keys[f"{p}.norms.{n}.weight"] = (c,)
            keys[f"{p}.norms.{n}.bias"] = (c,)
    keys["track_head.transformer_decoder.post_norm.weight"] = (c,)
    keys["track_head.transformer_decoder.post_norm.bias"] = (c,)
    keys["track_head.query_embed.weight"] = (num_queries, c)
    keys["track_head.query_feat.weight"] = (num_queries, c)
    keys["track_head.level_embed.weight"] = (3, c)
    keys["track_head.cls_embed.weight"] = (num_classes + 1, c)
    keys["track_head.cls_embed.bias"] = (num_classes + 1,)
    for j in (0, 2, 4):
        keys[f"track_head.mask_embed.{j}.weight"] = (c, c)
        keys[f"track_head.mask_embed.{j}.bias"] = (c,)
    return keys
