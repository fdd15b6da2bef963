"""Mask2Former-VIS configs under MMTracking 1.x's names: settings, and the 1.x
checkpoint's state-dict names (``tests/helpers/mask2former_keys.py``, written
from the original modules, not from the code under test) load strictly into
the built model.
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
from tests.helpers.mask2former_keys import checkpoint_keys_1x

register_all_modules()

ROOT = Path(__file__).parents[3]
CONFIGS = ROOT / "configs" / "vis" / "mask2former"


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
