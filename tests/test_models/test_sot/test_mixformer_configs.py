"""MixFormer configs: MMTracking 0.14's three configs build with its test-time settings,
and the CvT-21 model's state dict is MMTracking 0.14's (key list written from its
modules: mixformer_backbone.py, mixformer_head.py, stark_head.py's corner head)."""

import logging

import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MMLogger

from mmtrack.registry import MODELS
from mmtrack.utils import register_all_modules
from mmtrack.utils.checkpoint import CheckpointMismatchError, load_checkpoint
from tests.helpers.tools import REPO_ROOT

register_all_modules()
MMLogger.get_current_instance().setLevel(logging.WARNING)
CONFIGS = f"{REPO_ROOT}/configs/sot/mixformer"


def _bn(keys, prefix, c):
    for k in ("weight", "bias", "running_mean", "running_var"):
        keys[f"{prefix}.{k}"] = (c,)
    keys[f"{prefix}.num_batches_tracked"] = ()


def _pair(keys, prefix, cout, cin=None):
    keys[f"{prefix}.weight"] = (cout,) if cin is None else (cout, cin)
    keys[f"{prefix}.bias"] = (cout,)


def _mmtracking_keys():
    """MMTracking 0.14 MixFormer: CvT-21 ConvVisionTransformer and MixFormerHead."""
    keys = {}
    cin = 3
    # (channels, blocks, embedding kernel) of CvT-21's three stages
    for i, (c, depth, k) in enumerate(((64, 1, 7), (192, 4, 3), (384, 16, 3))):
        p = f"backbone.stage{i}"
        keys[f"{p}.patch_embed.proj.weight"] = (c, cin, k, k)
        keys[f"{p}.patch_embed.proj.bias"] = (c,)
        _pair(keys, f"{p}.patch_embed.norm", c)
        for j in range(depth):
            b = f"{p}.blocks.{j}"
            _pair(keys, f"{b}.norm1", c)
            for name in ("q", "k", "v"):
                keys[f"{b}.attn.conv_proj_{name}.conv.weight"] = (c, 1, 3, 3)
                _bn(keys, f"{b}.attn.conv_proj_{name}.bn", c)
                _pair(keys, f"{b}.attn.proj_{name}", c, c)
            _pair(keys, f"{b}.attn.proj", c, c)
            _pair(keys, f"{b}.norm2", c)
            _pair(keys, f"{b}.mlp.layers.0.0", 4 * c, c)
            _pair(keys, f"{b}.mlp.layers.1", c, 4 * c)
        cin = c
    _pair(keys, "backbone.norm", 384)
    _pair(keys, "backbone.head", 1000, 384)
    for corner in ("tl", "br"):
        dims = [384, 384, 192, 96, 48]
        for i in range(4):
            p = f"head.bbox_head.{corner}_corner_pred.{i}"
            keys[f"{p}.conv.weight"] = (dims[i + 1], dims[i], 3, 3)
            keys[f"{p}.conv.bias"] = (dims[i + 1],)
            _bn(keys, f"{p}.bn", dims[i + 1])
        keys[f"head.bbox_head.{corner}_corner_pred.4.weight"] = (1, 48, 1, 1)
        keys[f"head.bbox_head.{corner}_corner_pred.4.bias"] = (1,)
    s = "head.score_decoder_head"
    for i, cout in enumerate((384, 384, 1)):
        _pair(keys, f"{s}.score_head.layers.{i}", cout, 384)
    for name in ("proj_q", "proj_k", "proj_v", "proj"):
        for i in range(2):
            _pair(keys, f"{s}.{name}.{i}", 384, 384)
    _pair(keys, f"{s}.norm1", 384)
    for i in range(2):
        _pair(keys, f"{s}.norm2.{i}", 384)
    keys[f"{s}.score_token"] = (1, 1, 384)
    return keys


def _build(name):
    return MODELS.build(Config.fromfile(f"{CONFIGS}/{name}").model)


def test_state_dict_is_mmtracking_and_loads_strictly(tmp_path):
    model = _build("mixformer_cvt_500e_lasot.py")
    got = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    expect = _mmtracking_keys()
    assert sorted(set(got) - set(expect)) == []
    assert sorted(set(expect) - set(got)) == []
    assert got == expect
    path = tmp_path / "mixformer_cvt.pth"
    torch.save({"meta": {"epoch": 500}, "state_dict": model.state_dict()}, path)
    fresh = _build("mixformer_cvt_500e_got10k.py")
    load_checkpoint(fresh, str(path), strict=True)
    w = "head.score_decoder_head.score_token"
    assert torch.equal(fresh.state_dict()[w], model.state_dict()[w])
    # a checkpoint of another structure is refused by name
    partial = {k: v for k, v in model.state_dict().items() if not k.startswith("backbone.head")}
    torch.save({"state_dict": partial}, tmp_path / "partial.pth")
    with pytest.raises(CheckpointMismatchError, match="backbone.head.weight"):
        load_checkpoint(fresh, str(tmp_path / "partial.pth"), strict=True)


@pytest.mark.parametrize(
    "name, factor, interval, online, decay, dataset, train_sets",
    [
        ("mixformer_cvt_500e_got10k.py", 4.55, [10], [2], [0.98], "GOT10kDataset", 1),
        ("mixformer_cvt_500e_lasot.py", 4.55, [200], [2], [1.0], "LaSOTDataset", 4),
        ("mixformer_cvt_500e_trackingnet.py", 4.5, [25], [1], [1.0], "TrackingNetDataset", 4),
    ],
)
def test_configs(name, factor, interval, online, decay, dataset, train_sets):
    cfg = Config.fromfile(f"{CONFIGS}/{name}")
    test_cfg = cfg.model.test_cfg
    assert (test_cfg.search_factor, test_cfg.search_size) == (factor, 320)
    assert (test_cfg.template_factor, test_cfg.template_size) == (2.0, 128)
    assert test_cfg.update_interval == interval and test_cfg.online_size == online
    assert test_cfg.max_score_decay == decay
    assert cfg.test_dataloader.dataset.type == dataset
    assert cfg.model.train_cfg.stage == 1 and cfg.train_cfg.max_epochs == 500
    ds = cfg.train_dataloader.dataset
    pipelines = [ds.pipeline] if "pipeline" in ds else [d.pipeline for d in ds.datasets]
    assert len(pipelines) == train_sets
    for pipeline in pipelines:
        assert pipeline[0].type == "TridentSampling" and pipeline[0].num_template_frames == 2
        assert pipeline[3].crop_size_factor == [2, 2, 4.5]
        assert pipeline[3].output_size == [128, 128, 320]
    model = MODELS.build(cfg.model)
    assert (model.update_interval, model.online_size) == (interval[0], online[0])


def test_training_data_is_derived_from_the_stark_base():
    """MixFormer takes STARK's four training sets and pipeline from the base file, not a
    copy; only the search crop factor differs (STARK 5, MixFormer 4.5)."""
    with open(f"{CONFIGS}/mixformer_cvt_500e_lasot.py") as f:
        assert "GOT10kDataset" not in f.read()
    cfg = Config.fromfile(f"{CONFIGS}/mixformer_cvt_500e_lasot.py")
    data = Config.fromfile(f"{REPO_ROOT}/configs/_base_/datasets/sot_stark_train.py")
    assert [p.type for p in cfg.train_pipeline] == [p.type for p in data.train_pipeline]
    for ours, stark in zip(cfg.train_pipeline, data.train_pipeline):
        if ours.type in ("SeqBboxJitter", "SeqCropLikeStark"):
            assert (ours.crop_size_factor, stark.crop_size_factor) == ([2, 2, 4.5], [2, 2, 5])
            assert dict(ours, crop_size_factor=None) == dict(stark, crop_size_factor=None)
        else:
            assert ours == stark
    sets, base_sets = cfg.train_dataloader.dataset.datasets, data.train_dataloader.dataset.datasets
    assert [dict(d, pipeline=None) for d in sets] == [dict(d, pipeline=None) for d in base_sets]
    assert all(d.pipeline == cfg.train_pipeline for d in sets)
