"""STARK configs: MMTracking 0.14's six configs build, their test-time settings, and
the R-50 model's state dict is MMTracking 0.14's (key list written from its modules)."""

import logging

import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MMLogger

from mmtrack.registry import MODELS
from mmtrack.utils import register_all_modules
from mmtrack.utils.checkpoint import load_checkpoint
from tests.helpers.tools import REPO_ROOT

register_all_modules()
MMLogger.get_current_instance().setLevel(logging.WARNING)
CONFIGS = f"{REPO_ROOT}/configs/sot/stark"


def _bn(keys, prefix, c):
    for k in ("weight", "bias", "running_mean", "running_var"):
        keys[f"{prefix}.{k}"] = (c,)
    keys[f"{prefix}.num_batches_tracked"] = ()


def _mmtracking_keys(st2):
    """MMTracking 0.14 Stark: mmdet ResNet-50 (3 stages), ChannelMapper, StarkHead."""
    keys = {"backbone.conv1.weight": (64, 3, 7, 7)}
    _bn(keys, "backbone.bn1", 64)
    inplanes = 64
    for stage, (blocks, planes) in enumerate(zip((3, 4, 6), (64, 128, 256)), 1):
        for b in range(blocks):
            p = f"backbone.layer{stage}.{b}"
            cin = inplanes if b == 0 else planes * 4
            keys[f"{p}.conv1.weight"] = (planes, cin, 1, 1)
            keys[f"{p}.conv2.weight"] = (planes, planes, 3, 3)
            keys[f"{p}.conv3.weight"] = (planes * 4, planes, 1, 1)
            for i, c in ((1, planes), (2, planes), (3, planes * 4)):
                _bn(keys, f"{p}.bn{i}", c)
            if b == 0:
                keys[f"{p}.downsample.0.weight"] = (planes * 4, cin, 1, 1)
                _bn(keys, f"{p}.downsample.1", planes * 4)
        inplanes = planes * 4
    keys["neck.convs.0.conv.weight"] = (256, 1024, 1, 1)
    keys["neck.convs.0.conv.bias"] = (256,)
    t = "head.transformer"

    def attn(p):
        keys[f"{p}.attn.in_proj_weight"] = (768, 256)
        keys[f"{p}.attn.in_proj_bias"] = (768,)
        keys[f"{p}.attn.out_proj.weight"] = (256, 256)
        keys[f"{p}.attn.out_proj.bias"] = (256,)

    for part, n_attn, n_norm in (("encoder", 1, 2), ("decoder", 2, 3)):
        for i in range(6):
            p = f"{t}.{part}.layers.{i}"
            for j in range(n_attn):
                attn(f"{p}.attentions.{j}")
            keys[f"{p}.ffns.0.layers.0.0.weight"] = (2048, 256)
            keys[f"{p}.ffns.0.layers.0.0.bias"] = (2048,)
            keys[f"{p}.ffns.0.layers.1.weight"] = (256, 2048)
            keys[f"{p}.ffns.0.layers.1.bias"] = (256,)
            for j in range(n_norm):
                keys[f"{p}.norms.{j}.weight"] = (256,)
                keys[f"{p}.norms.{j}.bias"] = (256,)
    keys[f"{t}.decoder.post_norm.weight"] = (256,)
    keys[f"{t}.decoder.post_norm.bias"] = (256,)
    keys["head.query_embedding.weight"] = (1, 256)
    for corner in ("tl", "br"):
        dims = [256, 256, 128, 64, 32]
        for i in range(4):
            p = f"head.bbox_head.{corner}_corner_pred.{i}"
            keys[f"{p}.conv.weight"] = (dims[i + 1], dims[i], 3, 3)
            keys[f"{p}.conv.bias"] = (dims[i + 1],)
            _bn(keys, f"{p}.bn", dims[i + 1])
        keys[f"head.bbox_head.{corner}_corner_pred.4.weight"] = (1, 32, 1, 1)
        keys[f"head.bbox_head.{corner}_corner_pred.4.bias"] = (1,)
    if st2:
        for i, (cout, cin) in enumerate(((256, 256), (256, 256), (1, 256))):
            keys[f"head.cls_head.layers.{i}.weight"] = (cout, cin)
            keys[f"head.cls_head.layers.{i}.bias"] = (cout,)
    return keys


def _build(name):
    cfg = Config.fromfile(f"{CONFIGS}/{name}")
    cfg.model.backbone.init_cfg = None
    return MODELS.build(cfg.model), cfg


def test_st2_state_dict_is_mmtracking_and_loads(tmp_path):
    model, _ = _build("stark_st2_r50_50e_lasot.py")
    got = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    expect = _mmtracking_keys(st2=True)
    assert sorted(set(got) - set(expect)) == []
    assert sorted(set(expect) - set(got)) == []
    assert got == expect
    path = tmp_path / "stark_st2.pth"
    torch.save({"meta": {"epoch": 50}, "state_dict": model.state_dict()}, path)
    fresh, _ = _build("stark_st2_r50_50e_lasot.py")
    load_checkpoint(fresh, str(path), strict=True)
    w = "head.cls_head.layers.2.bias"
    assert torch.equal(fresh.state_dict()[w], model.state_dict()[w])
    # ST1 is the same without the score head
    st1 = {k for k in expect if not k.startswith("head.cls_head")}
    assert set(_build("stark_st1_r50_500e_got10k.py")[0].state_dict()) == st1


@pytest.mark.parametrize(
    "name, intervals, dataset, epochs, st2",
    [
        ("stark_st1_r50_500e_got10k.py", [200], "GOT10kDataset", 500, False),
        ("stark_st1_r50_500e_lasot.py", [200], "LaSOTDataset", 500, False),
        ("stark_st1_r50_500e_trackingnet.py", [200], "TrackingNetDataset", 500, False),
        ("stark_st2_r50_50e_got10k.py", [200], "GOT10kDataset", 50, True),
        ("stark_st2_r50_50e_lasot.py", [300], "LaSOTDataset", 50, True),
        ("stark_st2_r50_50e_trackingnet.py", [25], "TrackingNetDataset", 50, True),
    ],
)
def test_configs(name, intervals, dataset, epochs, st2):
    cfg = Config.fromfile(f"{CONFIGS}/{name}")
    assert cfg.model.test_cfg.update_intervals == intervals
    assert cfg.test_dataloader.dataset.type == dataset
    assert cfg.train_cfg.max_epochs == epochs
    ds = cfg.train_dataloader.dataset
    pipelines = [ds.pipeline] if "pipeline" in ds else [d.pipeline for d in ds.datasets]
    for pipeline in pipelines:
        assert pipeline[0].type == "TridentSampling" and pipeline[0].train_cls_head == st2
        assert pipeline[-1].type == "PackSOTInputs" and pipeline[-1].num_template_frames == 2
    assert ("cls_head" in cfg.model.head) == st2
    assert bool(cfg.get("load_from")) == st2  # ST2 starts from an ST1 checkpoint


def test_st2_training_data_is_derived_from_the_base():
    """ST2 takes ST1's four training sets and pipeline from the base file, not a copy;
    only TridentSampling's train_cls_head differs (False -> True)."""
    with open(f"{CONFIGS}/stark_st2_r50_50e_lasot.py") as f:
        assert "GOT10kDataset" not in f.read()
    st2 = Config.fromfile(f"{CONFIGS}/stark_st2_r50_50e_lasot.py")
    data = Config.fromfile(f"{REPO_ROOT}/configs/_base_/datasets/sot_stark_train.py")
    assert [p.type for p in st2.train_pipeline] == [p.type for p in data.train_pipeline]
    assert data.train_pipeline[0].train_cls_head is False
    assert st2.train_pipeline[0] == dict(data.train_pipeline[0], train_cls_head=True)
    assert st2.train_pipeline[1:] == data.train_pipeline[1:]
    sets, base_sets = st2.train_dataloader.dataset.datasets, data.train_dataloader.dataset.datasets
    assert [dict(d, pipeline=None) for d in sets] == [dict(d, pipeline=None) for d in base_sets]
    assert all(d.pipeline == st2.train_pipeline for d in sets)
