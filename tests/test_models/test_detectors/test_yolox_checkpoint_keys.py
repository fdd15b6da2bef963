"""YOLOX state-dict keys and shapes follow MMDetection (model-zoo files load).

The expected keys are written out here from MMDetection's module names
(``stem.conv.conv``, ``stage<i>.<j>``, ``main_conv``/``short_conv``/
``final_conv``/``blocks``, ``reduce_layers``, ``top_down_blocks``,
``downsamples``, ``bottom_up_blocks``, ``out_convs``, ``multi_level_*``),
not read from the model under test.
"""

import copy
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import load_checkpoint

from mmtrack.registry import MODELS
from mmtrack.utils import register_all_modules

register_all_modules()
REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

BN_KEYS = ("weight", "bias", "running_mean", "running_var", "num_batches_tracked")


def conv_module(keys, prefix, cout, cin, k):
    """mmcv ConvModule with BN: ``conv.weight`` (no bias) + ``bn.*``."""
    keys[f"{prefix}.conv.weight"] = (cout, cin, k, k)
    for name in BN_KEYS:
        keys[f"{prefix}.bn.{name}"] = () if name == "num_batches_tracked" else (cout,)


def csp_layer(keys, prefix, cin, cout, num_blocks):
    mid = cout // 2
    conv_module(keys, f"{prefix}.main_conv", mid, cin, 1)
    conv_module(keys, f"{prefix}.short_conv", mid, cin, 1)
    conv_module(keys, f"{prefix}.final_conv", cout, 2 * mid, 1)
    for b in range(num_blocks):
        conv_module(keys, f"{prefix}.blocks.{b}.conv1", mid, mid, 1)
        conv_module(keys, f"{prefix}.blocks.{b}.conv2", mid, mid, 3)


def yolox_x_keys(num_classes):
    """YOLOX-X: widen 1.25 (stem 80 ch), deepen 1.33 (3 -> 4, 9 -> 12 blocks)."""
    keys = {}
    conv_module(keys, "backbone.stem.conv", 80, 12, 3)  # Focus: 4 x 3 input channels
    for i, cin, cout, n, spp in (
        (1, 80, 160, 4, False),
        (2, 160, 320, 12, False),
        (3, 320, 640, 12, False),
        (4, 640, 1280, 4, True),
    ):
        conv_module(keys, f"backbone.stage{i}.0", cout, cin, 3)
        j = 1
        if spp:
            conv_module(keys, f"backbone.stage{i}.1.conv1", cout // 2, cout, 1)
            conv_module(keys, f"backbone.stage{i}.1.conv2", cout, cout // 2 * 4, 1)
            j = 2
        csp_layer(keys, f"backbone.stage{i}.{j}", cout, cout, n)
    conv_module(keys, "neck.reduce_layers.0", 640, 1280, 1)
    csp_layer(keys, "neck.top_down_blocks.0", 1280, 640, 4)
    conv_module(keys, "neck.reduce_layers.1", 320, 640, 1)
    csp_layer(keys, "neck.top_down_blocks.1", 640, 320, 4)
    conv_module(keys, "neck.downsamples.0", 320, 320, 3)
    csp_layer(keys, "neck.bottom_up_blocks.0", 640, 640, 4)
    conv_module(keys, "neck.downsamples.1", 640, 640, 3)
    csp_layer(keys, "neck.bottom_up_blocks.1", 1280, 1280, 4)
    for i, cin in enumerate((320, 640, 1280)):
        conv_module(keys, f"neck.out_convs.{i}", 320, cin, 1)
    for lvl in range(3):
        for tower in ("cls", "reg"):
            for j in range(2):
                conv_module(keys, f"bbox_head.multi_level_{tower}_convs.{lvl}.{j}", 320, 320, 3)
        for name, cout in (("cls", num_classes), ("reg", 4), ("obj", 1)):
            keys[f"bbox_head.multi_level_conv_{name}.{lvl}.weight"] = (cout, 320, 1, 1)
            keys[f"bbox_head.multi_level_conv_{name}.{lvl}.bias"] = (cout,)
    return keys


@pytest.fixture(scope="module")
def yolox_x():
    cfg = Config.fromfile(osp.join(REPO, "configs", "_base_", "models", "yolox_x_8x8.py"))
    return MODELS.build(copy.deepcopy(cfg.model.detector))


def test_yolox_x_keys_and_shapes(yolox_x):
    expected = yolox_x_keys(num_classes=80)
    actual = {k: tuple(v.shape) for k, v in yolox_x.state_dict().items()}
    assert sorted(set(expected) - set(actual)) == []  # missing
    assert sorted(set(actual) - set(expected)) == []  # unexpected
    assert {k: v for k, v in actual.items() if expected[k] != v} == {}
    # spot checks written out in full
    assert actual["backbone.stem.conv.conv.weight"] == (80, 12, 3, 3)
    assert actual["backbone.stage1.0.conv.weight"] == (160, 80, 3, 3)
    assert actual["backbone.stage4.1.conv2.conv.weight"] == (1280, 2560, 1, 1)
    assert actual["backbone.stage2.1.blocks.11.conv2.conv.weight"] == (160, 160, 3, 3)
    assert actual["neck.reduce_layers.0.conv.weight"] == (640, 1280, 1, 1)
    assert actual["bbox_head.multi_level_cls_convs.0.0.conv.weight"] == (320, 320, 3, 3)
    assert actual["bbox_head.multi_level_conv_cls.0.weight"] == (80, 320, 1, 1)
    assert actual["bbox_head.multi_level_conv_obj.2.weight"] == (1, 320, 1, 1)
    # YOLOX paper / README: YOLOX-X has 99.1 M parameters
    n_expected = sum(
        torch.Size(s).numel()
        for k, s in expected.items()
        if "bn.running" not in k and "num_batches" not in k
    )
    n_model = sum(p.numel() for p in yolox_x.parameters())
    assert n_model == n_expected
    assert round(n_model / 1e6, 1) == 99.1


def test_model_zoo_style_file_loads_strictly(yolox_x, tmp_path):
    # an MMDetection checkpoint: {'meta': ..., 'state_dict': ...}, keys as above.
    # Tensors are views at random offsets of one buffer, so the file stays small
    # (one storage) while every parameter still gets distinct values.
    gen = torch.Generator().manual_seed(0)
    expected = yolox_x_keys(num_classes=80)
    longest = max(torch.Size(s).numel() for s in expected.values())
    buffer = torch.rand(2 * longest, generator=gen)
    sd = {}
    for k, shape in expected.items():
        if k.endswith("num_batches_tracked"):
            sd[k] = torch.tensor(7)
        else:
            offset = int(torch.randint(longest, (1,), generator=gen))
            sd[k] = buffer[offset : offset + torch.Size(shape).numel()].view(shape)
    path = tmp_path / "yolox_x_8x8_300e_coco.pth"
    torch.save({"meta": {"epoch": 300}, "state_dict": sd}, path)
    load_checkpoint(yolox_x, str(path), strict=True)
    loaded = yolox_x.state_dict()
    assert all(torch.equal(loaded[k], v) for k, v in sd.items())


def test_mot17_detector_config_has_one_class():
    cfg = Config.fromfile(
        osp.join(REPO, "configs", "det", "yolox_x_8xb4-80e_crowdhuman-mot17halftrain.py")
    )
    head = cfg.model.bbox_head
    assert head.num_classes == 1 and head.in_channels == 320
    assert cfg.model.test_cfg.nms.iou_threshold == 0.7 and cfg.model.test_cfg.score_thr == 0.01
    assert cfg.img_scale == (1440, 800)
    bsrr = cfg.model.data_preprocessor.batch_augments[0]
    assert bsrr.type == "BatchSyncRandomResize" and bsrr.size_divisor == 32


@pytest.mark.parametrize(
    "deepen, widen, depthwise, params_m",
    # YOLOX README (80 classes): nano 0.91 M, tiny 5.06 M, s 9.0 M
    [(0.33, 0.25, True, 0.91), (0.33, 0.375, False, 5.06), (0.33, 0.5, False, 9.0)],
)
def test_small_sizes_parameter_counts(deepen, widen, depthwise, params_m):
    ch = [int(c * widen) for c in (256, 512, 1024)]
    model = MODELS.build(
        dict(
            type="YOLOX",
            backbone=dict(
                type="CSPDarknet", deepen_factor=deepen, widen_factor=widen, use_depthwise=depthwise
            ),
            neck=dict(
                type="YOLOXPAFPN",
                in_channels=ch,
                out_channels=ch[0],
                num_csp_blocks=1,
                use_depthwise=depthwise,
            ),
            bbox_head=dict(
                type="YOLOXHead",
                num_classes=80,
                in_channels=ch[0],
                feat_channels=ch[0],
                use_depthwise=depthwise,
            ),
        )
    )
    n = sum(p.numel() for p in model.parameters()) / 1e6
    assert round(n, 2 if params_m < 6 else 1) == params_m
