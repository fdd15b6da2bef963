"""Mask2Former-VIS configs under MMTracking 1.x's names: settings, and the 1.x
checkpoint's state-dict names load strictly into the built model.

The expected keys are written from the original modules (mmdet ResNet-50;
MMTracking 1.x ``Mask2FormerHead`` with mmdet 3.0.0rc ``MSDeformAttnPixelDecoder``
and ``DetrTransformerDecoder`` of mmcv ``BaseTransformerLayer`` with
``operation_order=('cross_attn', 'norm', 'self_attn', 'norm', 'ffn', 'norm')``),
not from the code under test.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from mmengine.config import Config

from mmtrack.models.layers.mask2former_transformer_encoder import MASK2FORMER_1X_REVISE_KEYS
from mmtrack.registry import MODELS
from mmtrack.utils import register_all_modules
from mmtrack.utils.checkpoint import CheckpointMismatchError, load_checkpoint

register_all_modules()

ROOT = Path(__file__).parents[3]
CONFIGS = ROOT / "configs" / "vis" / "mask2former"
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


def _cfg(name: str) -> Config:
    return Config.fromfile(str(CONFIGS / f"mask2former_r50_8xb2-8e_{name}.py"))


@pytest.mark.parametrize(
    "name, iters, milestone",
    [("youtubevis2019", 6000, 4000), ("youtubevis2021", 8000, 5500)],
)
def test_config_settings_are_mmtracking_1x(name, iters, milestone):
    cfg = _cfg(name)
    head = cfg.model.track_head
    assert (head.num_queries, head.num_frames, head.num_classes) == (100, 2, 40)
    assert head.pixel_decoder.encoder.num_layers == 6
    assert head.transformer_decoder.num_layers == 9
    assert head.loss_cls.class_weight == [1.0] * 40 + [0.1]
    opt = cfg.optim_wrapper
    assert (opt.optimizer.type, opt.optimizer.lr, opt.optimizer.weight_decay) == (
        "AdamW", 1e-4, 0.05)
    assert opt.paramwise_cfg.custom_keys["backbone"] == dict(lr_mult=0.1, decay_mult=1.0)
    assert opt.clip_grad == dict(max_norm=0.01, norm_type=2)
    assert (cfg.train_cfg.type, cfg.train_cfg.max_iters) == ("IterBasedTrainLoop", iters)
    assert cfg.param_scheduler.milestones == [milestone]
    assert cfg.train_dataloader.batch_size == 2
    year = name[-4:]
    assert cfg.train_dataloader.dataset.ann_file == f"annotations/youtube_vis_{year}_train.json"
    assert cfg.test_dataloader.batch_sampler.type == "EntireVideoBatchSampler"


def test_1x_checkpoint_loads_strictly_into_built_model(tmp_path):
    cfg = _cfg("youtubevis2021")
    cfg.model.init_cfg = None
    cfg.model.backbone.init_cfg = None
    model = MODELS.build(cfg.model)
    expected = checkpoint_keys_1x()
    ckpt = tmp_path / "mask2former_1x.pth"
    torch.save({"state_dict": {k: torch.zeros(s) for k, s in expected.items()}}, ckpt)
    load_checkpoint(model, str(ckpt), strict=True, revise_keys=MASK2FORMER_1X_REVISE_KEYS)
    params = dict(model.named_parameters())
    head = "track_head."
    assert not params[head + "transformer_decoder.layers.8.cross_attn.attn.in_proj_weight"].any()
    assert not params[head + "pixel_decoder.encoder.layers.5.self_attn.value_proj.weight"].any()
    assert len(model.state_dict()) == len(expected)
    # a 1.x key left out is named
    del expected["track_head.level_embed.weight"]
    torch.save({"state_dict": {k: torch.zeros(s) for k, s in expected.items()}}, ckpt)
    with pytest.raises(CheckpointMismatchError, match="track_head.level_embed.weight"):
        load_checkpoint(model, str(ckpt), strict=True, revise_keys=MASK2FORMER_1X_REVISE_KEYS)
