"""Every config under configs/mot and configs/reid loads and builds its model on CPU."""

from __future__ import annotations

import glob
import os.path as osp

import pytest
from mmengine.config import Config

from mmtrack.registry import DATASETS, METRICS, MODELS
from mmtrack.utils import register_all_modules
from tests.helpers.tools import REPO_ROOT

register_all_modules()

CONFIGS = sorted(
    glob.glob(osp.join(REPO_ROOT, "configs", "mot", "**", "*.py"), recursive=True)
    + glob.glob(osp.join(REPO_ROOT, "configs", "reid", "*.py"))
)
_BUILT: set[str] = set()


def _first_of_grids(cfg):
    """Parameter-search configs list values (``[0.4, 0.5]``) where a number is expected."""
    if isinstance(cfg, dict):
        return {k: _first_of_grids(v) for k, v in cfg.items()}
    if isinstance(cfg, list) and cfg and all(isinstance(v, (int, float)) for v in cfg):
        return cfg[0]
    if isinstance(cfg, list):
        return [_first_of_grids(v) for v in cfg]
    return cfg


def _reid_present(model_cfg: dict) -> bool:
    return model_cfg.get("reid") is not None


def test_config_inventory():
    names = {osp.relpath(p, osp.join(REPO_ROOT, "configs")) for p in CONFIGS}
    for required in (
        "mot/deepsort/sort_faster-rcnn_fpn_4e_mot17-private-half.py",
        "mot/deepsort/sort_faster-rcnn_fpn_4e_mot17-public-half.py",
        "mot/deepsort/deepsort_faster-rcnn_fpn_4e_mot17-private-half.py",
        "mot/deepsort/deepsort_faster-rcnn_fpn_4e_mot17-public-half.py",
        "mot/tracktor/tracktor_faster-rcnn_r50_fpn_4e_mot17-public-half.py",
        "mot/tracktor/tracktor_faster-rcnn_r50_fpn_4e_mot17-private-half.py",
        "mot/tracktor/tracktor_faster-rcnn_r50_fpn_8e_mot20-public.py",
        "mot/qdtrack/qdtrack_faster-rcnn_r50_fpn_4e_mot17-private-half.py",
        "mot/qdtrack/qdtrack_faster-rcnn_r50_fpn_4e_dancetrack.py",
        "mot/bytetrack/bytetrack_yolox_x_crowdhuman_mot17-private-half.py",
        "mot/bytetrack/bytetrack_yolox_x_crowdhuman_mot20-private.py",
        "mot/ocsort/ocsort_yolox_x_crowdhuman_mot17-private-half.py",
        "mot/strongsort/strongsort_yolox_x_crowdhuman_mot17-private-half.py",
        "mot/botsort/botsort_yolox_x_crowdhuman_mot17-private-half.py",
        "mot/deep_ocsort/deep-ocsort_yolox_x_crowdhuman_mot17-private-half.py",
        "reid/resnet50_b32x8_MOT17.py",
        "reid/reid_r50_8xb32-6e_mot17train80_test-mot17val20.py",
    ):
        assert required in names, required


@pytest.mark.parametrize(
    "path", CONFIGS, ids=[osp.relpath(p, osp.join(REPO_ROOT, "configs")) for p in CONFIGS]
)
def test_config_builds(path):
    cfg = Config.fromfile(path)
    model_cfg = cfg.model.to_dict()
    if "tracker" in model_cfg:  # search grids are tracker fields
        model_cfg["tracker"] = _first_of_grids(model_cfg["tracker"])
    key = repr(model_cfg)
    if key not in _BUILT:  # configs that differ only in data share one build
        _BUILT.add(key)
        _check_model(MODELS.build(model_cfg), model_cfg)
    if path.endswith("_base.py"):  # model-only base of other configs
        assert "test_dataloader" not in cfg
        return
    # data and evaluation types exist (test side; training side for trainable configs)
    test_ds = cfg.test_dataloader.dataset
    assert DATASETS.get(test_ds.type) is not None
    evaluator = cfg.test_evaluator
    assert METRICS.get(evaluator["type"]) is not None
    if cfg.get("train_dataloader"):
        assert DATASETS.get(cfg.train_dataloader.dataset.type) is not None


def _check_model(model, model_cfg: dict) -> None:
    assert type(model).__name__ == model_cfg["type"]
    if "tracker" in model_cfg:
        assert type(model.tracker).__name__ == model_cfg["tracker"]["type"]
        assert model.with_reid == _reid_present(model_cfg)
        keys = model.state_dict()
        if model_cfg.get("detector") is not None:
            assert any(k.startswith("detector.backbone.") for k in keys)
        if model.with_reid:
            assert keys["reid.head.fc_out.weight"].shape == (128, 1024)
    else:
        assert model_cfg["type"] == "BaseReID"
        assert model.head.fc_out.out_features == 128
