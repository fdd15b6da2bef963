"""tools/model_converters/mask2former_to_mmtrack.py on MMTracking 1.x / MMDetection key lists."""

from __future__ import annotations

import torch
from mmengine.config import Config

from mmtrack.registry import MODELS
from mmtrack.utils import register_all_modules
from mmtrack.utils.checkpoint import load_checkpoint, safe_torch_load
from tests.helpers.mask2former_keys import ROOT, checkpoint_keys_1x
from tests.helpers.tools import load_tool

register_all_modules()
conv = load_tool("tools/model_converters/mask2former_to_mmtrack.py")
CONFIG = ROOT / "configs" / "vis" / "mask2former" / "mask2former_r50_8xb2-8e_youtubevis2021.py"


def _value(key: str, shape: tuple) -> torch.Tensor:
    """1 for the 1.x cross attention (attentions.0), 2 for the self attention, else 0."""
    fill = 1.0 if ".attentions.0.attn." in key else 2.0 if ".attentions.1.attn." in key else 0.0
    return torch.full(shape, fill)


def test_1x_vis_checkpoint_loads_strictly_after_conversion(tmp_path, capsys):
    cfg = Config.fromfile(str(CONFIG))
    cfg.model.init_cfg = None
    cfg.model.backbone.init_cfg = None
    model = MODELS.build(cfg.model)
    keys = checkpoint_keys_1x()
    src, dst = tmp_path / "m2f_1x.pth", tmp_path / "m2f.pth"
    torch.save(
        {"state_dict": {k: _value(k, s) for k, s in keys.items()}, "meta": {"iter": 8000},
         "optimizer": {"state": {}}},
        src,
    )
    assert conv.main([str(src), str(dst)]) == 0
    assert f"{len(keys)} tensors" in capsys.readouterr().out
    ckpt = safe_torch_load(str(dst))
    assert "optimizer" not in ckpt and ckpt["meta"]["iter"] == 8000
    load_checkpoint(model, str(dst), strict=True)  # no revise_keys needed any more
    layer = model.track_head.transformer_decoder.layers[4]
    # the 1.x layers ran cross attention first: attentions.0 is the cross attention
    assert bool((layer.cross_attn.attn.in_proj_weight == 1).all())
    assert bool((layer.self_attn.attn.in_proj_weight == 2).all())


def test_mmdet_coco_checkpoint_prefix_and_bad_keys(tmp_path, capsys):
    coco = {  # names only matter here: one-element tensors, but the class embedding
        k.replace("track_head.", "panoptic_head.", 1): torch.zeros(s if "cls_embed" in k else 1)
        for k, s in checkpoint_keys_1x(num_classes=80).items()
    }
    src, dst = tmp_path / "coco.pth", tmp_path / "init.pth"
    torch.save({"state_dict": coco}, src)
    assert conv.main([str(src), str(dst)]) == 0
    state = safe_torch_load(str(dst))["state_dict"]
    assert not any(k.startswith("panoptic_head.") for k in state)
    assert state["track_head.cls_embed.weight"].shape == (81, 256)
    assert "track_head.pixel_decoder.encoder.layers.0.self_attn.sampling_offsets.weight" in state
    assert "track_head.transformer_decoder.layers.8.ffn.layers.1.weight" in state
    capsys.readouterr()
    torch.save({"state_dict": {**coco, "roi_head.fc.weight": torch.zeros(1)}}, src)
    assert conv.main([str(src), str(tmp_path / "bad.pth")]) == 1
    assert "key 'roi_head.fc.weight' is not part of a Mask2Former model" in capsys.readouterr().err
    assert not (tmp_path / "bad.pth").exists()
