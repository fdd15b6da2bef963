"""Every Faster/Mask R-CNN config builds, with the settings of MMTracking's configs."""

import glob
import logging
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MMLogger

from mmtrack.registry import MODELS
from mmtrack.utils import register_all_modules
from tests.helpers.det import det_sample

register_all_modules()
MMLogger.get_current_instance().setLevel(logging.WARNING)
REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))


def _cfg(name):
    return Config.fromfile(osp.join(REPO, "configs", name))


def test_mot_detector_configs():
    names = sorted(
        osp.relpath(p, osp.join(REPO, "configs"))
        for p in glob.glob(osp.join(REPO, "configs", "det", "faster-rcnn*_mot*.py"))
    )
    assert len(names) == 7
    for name in names:
        cfg = _cfg(name)
        model = cfg.model
        assert model.type == "FasterRCNN" and model.roi_head.bbox_head.num_classes == 1
        mot20 = "mot20" in name
        assert model.rpn_head.bbox_coder.clip_border is mot20
        assert model.roi_head.bbox_head.bbox_coder.clip_border is mot20
        assert cfg.train_cfg.max_epochs == (8 if mot20 else 4)
        assert model.backbone.depth == (101 if "r101" in name else 50)
        assert model.init_cfg.checkpoint.startswith("checkpoints/")
        dataset = name.split("_")[-1].split("-")[0].split(".")[0].upper()
        split = "half-val" if "half" in name else "train"
        assert cfg.val_evaluator.ann_file == f"data/{dataset}/annotations/{split}_cocoformat.json"
        assert cfg.test_dataloader.dataset.data_root == f"data/{dataset}/"
    # one of them builds (the others differ only in the values checked above)
    cfg = _cfg("det/faster-rcnn_r50_fpn_4e_mot17-half.py")
    cfg.model.pop("init_cfg")
    model = MODELS.build(cfg.model)
    assert model.roi_head.bbox_head.fc_cls.out_features == 2


def test_dc5_and_mask_rcnn_bases():
    cfg = _cfg("_base_/models/faster_rcnn_r50_dc5.py").model.detector
    cfg.backbone.init_cfg = None
    model = MODELS.build(cfg).eval()
    feats = model.extract_feat(torch.zeros(1, 3, 64, 96))
    assert len(feats) == 1 and feats[0].shape == (1, 512, 4, 6)  # stride 16, 512 channels
    assert model.rpn_head.rpn_cls.out_channels == 12  # 4 scales x 3 ratios
    assert model.roi_head.bbox_head.fc_cls.out_features == 31
    with torch.no_grad():
        (out,) = model.predict(torch.zeros(1, 3, 64, 96), [det_sample((64, 96))])
    assert out.pred_instances.bboxes.shape[1] == 4

    cfg = _cfg("_base_/models/mask_rcnn_r50_fpn.py").model.detector
    cfg.backbone.init_cfg = None
    model = MODELS.build(cfg)
    keys = model.state_dict()
    assert keys["roi_head.mask_head.conv_logits.weight"].shape == (80, 256, 1, 1)
    assert keys["roi_head.mask_head.upsample.weight"].shape == (256, 256, 2, 2)
    assert keys["roi_head.mask_head.convs.3.conv.weight"].shape == (256, 256, 3, 3)


@pytest.mark.parametrize("name", ["faster_rcnn_r50_fpn.py", "mask_rcnn_r50_fpn.py"])
def test_bases_need_local_torchvision_weights(name, tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    cfg = _cfg(f"_base_/models/{name}").model.detector
    backbone = MODELS.build(cfg.backbone)
    with pytest.raises(FileNotFoundError, match="torchvision://resnet50"):
        backbone.init_weights()
