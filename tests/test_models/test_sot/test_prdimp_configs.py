"""PrDiMP configs under MMTracking 1.x's names; the R-50 state dict is 1.x's key list."""

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
CONFIGS = f"{REPO_ROOT}/configs/sot/prdimp"
BASE = "prdimp_r50_8xb10-50e_got10k-lasot-trackingnet-coco_base.py"


def _bn(keys, prefix, c):
    for k in ("weight", "bias", "running_mean", "running_var"):
        keys[f"{prefix}.{k}"] = (c,)
    keys[f"{prefix}.num_batches_tracked"] = ()


def _conv_module(keys, prefix, cout, cin, k):
    """mmcv ConvModule(bias=False, BN): ``conv.weight`` and ``bn.*``."""
    keys[f"{prefix}.conv.weight"] = (cout, cin, k, k)
    _bn(keys, f"{prefix}.bn", cout)


def _mmtracking_1x_keys():
    """MMTracking 1.x PrDiMP: mmcls ResNet-50 (3 stages), PrDiMPClsHead, IouNetHead."""
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
    # PrDiMPClsHead(in_dim=1024, out_dim=512), FilterInitializer, PrDiMPFilterOptimizer
    keys["classifier.channel_mapping.0.weight"] = (512, 1024, 3, 3)
    keys["classifier.filter_initializer.filter_conv.weight"] = (512, 512, 3, 3)
    keys["classifier.filter_initializer.filter_conv.bias"] = (512,)
    keys["classifier.filter_optimizer.log_step_length"] = (1,)
    keys["classifier.filter_optimizer.filter_regular"] = (1,)
    # IouNetHead(in_dim=(512, 1024), pred_in_dim=(256, 256), pred_inter_dim=(256, 256))
    r = "bbox_regressor"
    _conv_module(keys, f"{r}.conv3_temp", 128, 512, 3)
    _conv_module(keys, f"{r}.fc3_temp", 256, 128, 3)
    _conv_module(keys, f"{r}.fc34_3_temp", 256, 512, 1)
    _conv_module(keys, f"{r}.conv4_temp", 256, 1024, 3)
    _conv_module(keys, f"{r}.fc34_4_temp", 256, 512, 1)
    _conv_module(keys, f"{r}.conv3_search.0", 256, 512, 3)
    _conv_module(keys, f"{r}.conv3_search.1", 256, 256, 3)
    _conv_module(keys, f"{r}.conv4_search.0", 256, 1024, 3)
    _conv_module(keys, f"{r}.conv4_search.1", 256, 256, 3)
    for name, size in (("fc3_search", 5), ("fc4_search", 3)):
        keys[f"{r}.{name}.linear.weight"] = (256, 256 * size * size)
        keys[f"{r}.{name}.linear.bias"] = (256,)
        _bn(keys, f"{r}.{name}.bn", 256)
    keys[f"{r}.iou_predictor.weight"] = (1, 512)
    keys[f"{r}.iou_predictor.bias"] = (1,)
    return keys


def _build(name):
    cfg = Config.fromfile(f"{CONFIGS}/{name}")
    cfg.model.backbone.init_cfg = None
    return MODELS.build(cfg.model)


def test_r50_state_dict_is_mmtracking_1x_and_loads_strictly(tmp_path):
    model = _build(BASE)
    got = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    expect = _mmtracking_1x_keys()
    assert sorted(set(got) - set(expect)) == []
    assert sorted(set(expect) - set(got)) == []
    assert got == expect
    path = tmp_path / "prdimp.pth"
    torch.save({"meta": {"epoch": 50}, "state_dict": model.state_dict()}, path)
    fresh = _build("prdimp_r50_8xb10-50e_got10k.py")
    load_checkpoint(fresh, str(path), strict=True)
    w = "bbox_regressor.iou_predictor.weight"
    assert torch.equal(fresh.state_dict()[w], model.state_dict()[w])


@pytest.mark.parametrize(
    "name, train, test",
    [
        (BASE, "RandomSampleConcatDataset", "LaSOTDataset"),
        ("prdimp_r50_8xb10-50e_got10k-lasot-trackingnet-coco_test-lasot.py",
         "RandomSampleConcatDataset", "LaSOTDataset"),
        ("prdimp_r50_8xb10-50e_got10k-lasot-trackingnet-coco_test-trackingnet.py",
         "RandomSampleConcatDataset", "TrackingNetDataset"),
        ("prdimp_r50_8xb10-50e_got10k.py", "GOT10kDataset", "GOT10kDataset"),
    ],
)  # fmt: skip
def test_configs(name, train, test):
    cfg = Config.fromfile(f"{CONFIGS}/{name}")
    assert cfg.train_dataloader.dataset.type == train
    assert cfg.test_dataloader.dataset.type == test
    assert cfg.train_cfg.max_epochs == 50
    assert cfg.model.cls_head.filter_optimizer.num_iters == 5
    assert cfg.model.test_cfg.img_sample_size == 352
    ds = cfg.train_dataloader.dataset
    pipelines = [ds.pipeline] if "pipeline" in ds else [d.pipeline for d in ds.datasets]
    for pipeline in pipelines:
        assert pipeline[0].type == "DiMPSampling" and pipeline[0].num_template_frames == 3
        assert pipeline[-1].type == "PackSOTInputs" and pipeline[-1].num_template_frames == 3


def test_training_data_is_inherited_not_copied():
    """The base config takes its training data from _base_/datasets/sot_prdimp_train.py."""
    with open(f"{CONFIGS}/{BASE}") as f:
        text = f.read()
    assert "_base_/datasets/sot_prdimp_train.py" in text and "train_pipeline" not in text
    cfg = Config.fromfile(f"{CONFIGS}/{BASE}")
    data = Config.fromfile(f"{REPO_ROOT}/configs/_base_/datasets/sot_prdimp_train.py")
    assert cfg.train_dataloader.dataset == data.train_dataloader.dataset
    # only the batch size differs: 10 a GPU (MMTracking 1.x's 8xb10) against the base's 16
    assert (cfg.train_dataloader.batch_size, data.train_dataloader.batch_size) == (10, 16)
    assert cfg.data_root == "data/"  # from lasot.py; the training base defines none
    assert "data_root" not in data
