"""MaskTrack R-CNN configs build, and their state dicts have MMTracking 0.14's key names.

The expected key lists are written by hand from MMTracking 0.14's modules
(``MaskTrackRCNN`` = ``detector`` (MMDetection Mask R-CNN: ResNet/ResNeXt,
FPN, RPNHead, Shared2FCBBoxHead, FCNMaskHead with 4 convs) + ``track_head``
(``RoITrackHead``: a weightless RoIAlign extractor and ``RoIEmbedHead``
with two fcs ``fcs.0`` 256*7*7->1024, ``fcs.1`` 1024->1024)), not derived
from the code under test.
"""

import os.path as osp

import pytest
import torch
from mmengine.config import Config

from mmtrack.registry import MODELS
from mmtrack.utils import register_all_modules
from mmtrack.utils.checkpoint import load_checkpoint
from tests.helpers.tools import REPO_ROOT

register_all_modules()

BN = ("weight", "bias", "running_mean", "running_var", "num_batches_tracked")
CFG_DIR = osp.join(REPO_ROOT, "configs", "vis", "masktrack_rcnn")


def _bn(prefix, c):
    return {f"{prefix}.{n}": (() if n == "num_batches_tracked" else (c,)) for n in BN}


def expected_keys(depth=50, groups=1, base_width=64, num_classes=40):
    """``detector.*`` and ``track_head.*`` names and shapes of MMTracking 0.14's MaskTrack R-CNN."""
    blocks = {50: (3, 4, 6, 3), 101: (3, 4, 23, 3)}[depth]
    p = "detector."
    keys = {f"{p}backbone.conv1.weight": (64, 3, 7, 7)}
    keys.update(_bn(f"{p}backbone.bn1", 64))
    inplanes = 64
    for stage, (n, planes) in enumerate(zip(blocks, (64, 128, 256, 512)), start=1):
        width = planes if groups == 1 else (planes * base_width // 64) * groups
        out = planes * 4
        for b in range(n):
            q = f"{p}backbone.layer{stage}.{b}"
            cin = inplanes if b == 0 else out
            keys[f"{q}.conv1.weight"] = (width, cin, 1, 1)
            keys.update(_bn(f"{q}.bn1", width))
            keys[f"{q}.conv2.weight"] = (width, width // groups, 3, 3)
            keys.update(_bn(f"{q}.bn2", width))
            keys[f"{q}.conv3.weight"] = (out, width, 1, 1)
            keys.update(_bn(f"{q}.bn3", out))
            if b == 0:
                keys[f"{q}.downsample.0.weight"] = (out, cin, 1, 1)
                keys.update(_bn(f"{q}.downsample.1", out))
        inplanes = out
    for i, c in enumerate((256, 512, 1024, 2048)):
        keys[f"{p}neck.lateral_convs.{i}.conv.weight"] = (256, c, 1, 1)
        keys[f"{p}neck.lateral_convs.{i}.conv.bias"] = (256,)
        keys[f"{p}neck.fpn_convs.{i}.conv.weight"] = (256, 256, 3, 3)
        keys[f"{p}neck.fpn_convs.{i}.conv.bias"] = (256,)
    heads = {
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
        "roi_head.mask_head.upsample.weight": (256, 256, 2, 2),
        "roi_head.mask_head.upsample.bias": (256,),
        "roi_head.mask_head.conv_logits.weight": (num_classes, 256, 1, 1),
        "roi_head.mask_head.conv_logits.bias": (num_classes,),
    }
    for i in range(4):
        heads[f"roi_head.mask_head.convs.{i}.conv.weight"] = (256, 256, 3, 3)
        heads[f"roi_head.mask_head.convs.{i}.conv.bias"] = (256,)
    keys.update({p + k: v for k, v in heads.items()})
    keys.update(
        {
            "track_head.embed_head.fcs.0.weight": (1024, 256 * 7 * 7),
            "track_head.embed_head.fcs.0.bias": (1024,),
            "track_head.embed_head.fcs.1.weight": (1024, 1024),
            "track_head.embed_head.fcs.1.bias": (1024,),
        }
    )
    return keys


def _build(name):
    cfg = Config.fromfile(osp.join(CFG_DIR, name))
    cfg.model.detector.backbone.init_cfg = None
    cfg.model.detector.init_cfg = None
    return cfg, MODELS.build(cfg.model)


@pytest.mark.parametrize(
    "arch,expect",
    [
        ("r50", dict()),
        ("r101", dict(depth=101)),
        ("x101", dict(depth=101, groups=64, base_width=4)),
    ],
)
def test_masktrack_rcnn_keys_match_mmtracking(arch, expect, tmp_path):
    cfg, model = _build(f"masktrack_rcnn_{arch}_fpn_12e_youtubevis2019.py")
    got = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    want = expected_keys(**expect)
    assert sorted(set(got) - set(want)) == []
    assert sorted(set(want) - set(got)) == []
    assert got == want
    assert model.tracker.match_weights == dict(det_score=1.0, iou=2.0, det_label=10.0)
    assert model.tracker.num_frames_retain == 20
    if arch == "r50":
        # an MMTracking-style file (state_dict + meta) loads strictly via the safe loader
        path = tmp_path / "masktrack.pth"
        torch.save({"state_dict": model.state_dict(), "meta": {"epoch": 12}}, path)
        _, other = _build("masktrack_rcnn_r50_fpn_12e_youtubevis2019.py")
        load_checkpoint(other, str(path), strict=True)
        assert torch.equal(
            other.track_head.embed_head.fcs[1].weight, model.track_head.embed_head.fcs[1].weight
        )


@pytest.mark.parametrize("arch", ["r50", "r101", "x101"])
def test_youtubevis2021_configs(arch):
    cfg = Config.fromfile(osp.join(CFG_DIR, f"masktrack_rcnn_{arch}_fpn_12e_youtubevis2021.py"))
    for loader in (cfg.train_dataloader, cfg.test_dataloader):
        assert loader.dataset.dataset_version == "2021"
        assert loader.dataset.data_root == "data/youtube_vis_2021/"
        assert "youtube_vis_2021_" in loader.dataset.ann_file
    assert cfg.model.detector.roi_head.bbox_head.num_classes == 40
    assert cfg.test_evaluator.type == "YouTubeVISMetric" and cfg.test_evaluator.format_only
    base = Config.fromfile(osp.join(CFG_DIR, f"masktrack_rcnn_{arch}_fpn_12e_youtubevis2019.py"))
    assert cfg.model.to_dict() == base.model.to_dict()
