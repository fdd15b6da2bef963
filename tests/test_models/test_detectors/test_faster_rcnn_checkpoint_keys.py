"""Faster R-CNN R-50-FPN state dict = the key names and shapes of MMDetection's model zoo.

The expected list is written by hand from the published checkpoint's structure
(faster_rcnn_r50_fpn_1x_coco), not derived from the code under test.
"""

import torch
import torchvision
from mmengine.config import Config

from mmtrack.registry import MODELS
from mmtrack.utils import register_all_modules

register_all_modules()

BN = ("weight", "bias", "running_mean", "running_var", "num_batches_tracked")


def _bn(prefix, c):
    return {f"{prefix}.{n}": (() if n == "num_batches_tracked" else (c,)) for n in BN}


def expected_faster_rcnn_r50_fpn(num_classes=80):
    keys = {"backbone.conv1.weight": (64, 3, 7, 7)}
    keys.update(_bn("backbone.bn1", 64))
    inplanes = 64
    for stage, (blocks, width) in enumerate(zip((3, 4, 6, 3), (64, 128, 256, 512)), start=1):
        out = width * 4
        for b in range(blocks):
            p = f"backbone.layer{stage}.{b}"
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
    for i, c in enumerate((256, 512, 1024, 2048)):
        keys[f"neck.lateral_convs.{i}.conv.weight"] = (256, c, 1, 1)
        keys[f"neck.lateral_convs.{i}.conv.bias"] = (256,)
        keys[f"neck.fpn_convs.{i}.conv.weight"] = (256, 256, 3, 3)
        keys[f"neck.fpn_convs.{i}.conv.bias"] = (256,)
    keys.update(
        {
            "rpn_head.rpn_conv.weight": (256, 256, 3, 3),
            "rpn_head.rpn_conv.bias": (256,),
            "rpn_head.rpn_cls.weight": (3, 256, 1, 1),
            "rpn_head.rpn_cls.bias": (3,),
            "rpn_head.rpn_reg.weight": (12, 256, 1, 1),
            "rpn_head.rpn_reg.bias": (12,),
            "roi_head.bbox_head.fc_cls.weight": (num_classes + 1, 1024),
            "roi_head.bbox_head.fc_cls.bias": (num_classes + 1,),
            "roi_head.bbox_head.fc_reg.weight": (4 * num_classes, 1024),
            "roi_head.bbox_head.fc_reg.bias": (4 * num_classes,),
            "roi_head.bbox_head.shared_fcs.0.weight": (1024, 256 * 7 * 7),
            "roi_head.bbox_head.shared_fcs.0.bias": (1024,),
            "roi_head.bbox_head.shared_fcs.1.weight": (1024, 1024),
            "roi_head.bbox_head.shared_fcs.1.bias": (1024,),
        }
    )
    return keys


def test_faster_rcnn_r50_fpn_state_dict_matches_model_zoo_keys(tmp_path):
    cfg = Config.fromfile("configs/_base_/models/faster_rcnn_r50_fpn.py")
    det_cfg = cfg.model.detector
    det_cfg.backbone.init_cfg = None
    model = MODELS.build(det_cfg)
    got = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    expect = expected_faster_rcnn_r50_fpn()
    assert sorted(set(got) - set(expect)) == []
    assert sorted(set(expect) - set(got)) == []
    assert got == expect
    # the spot checks named in the brief
    assert got["backbone.layer1.0.downsample.0.weight"] == (256, 64, 1, 1)
    assert got["neck.fpn_convs.3.conv.weight"] == (256, 256, 3, 3)

    # a torchvision ResNet-50 file initialises the backbone with only fc.* unexpected
    tv = torchvision.models.resnet50(weights=None)
    tv_path = tmp_path / "resnet50.pth"
    torch.save(tv.state_dict(), tv_path)
    det_cfg.backbone.init_cfg = dict(type="Pretrained", checkpoint=str(tv_path))
    other = MODELS.build(det_cfg)
    other.backbone.init_weights()
    missing, unexpected = other.backbone.load_state_dict(tv.state_dict(), strict=False)
    assert missing == [] and sorted(unexpected) == ["fc.bias", "fc.weight"]
    assert torch.equal(other.backbone.layer3[5].conv2.weight, tv.layer3[5].conv2.weight)

    # an MMDetection-style file (our state dict, saved and re-read) loads strictly
    path = tmp_path / "ckpt.pth"
    torch.save({"state_dict": model.state_dict(), "meta": {}}, path)
    ckpt = torch.load(path, map_location="cpu", weights_only=True)
    assert other.load_state_dict(ckpt["state_dict"], strict=True)
    assert torch.equal(
        other.roi_head.bbox_head.fc_cls.weight, model.roi_head.bbox_head.fc_cls.weight
    )
