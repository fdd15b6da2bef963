"""Every VID config builds, with MMTracking 0.14's settings."""

import glob
import os.path as osp

import pytest
from mmengine.config import Config

from mmtrack.registry import MODELS
from mmtrack.utils import register_all_modules

register_all_modules()
REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
CONFIGS = sorted(glob.glob(osp.join(REPO, "configs", "vid", "*", "*imagenetvid.py")))


def test_all_mmtracking_names_present():
    names = {osp.basename(p) for p in CONFIGS}
    for arch in ("r50", "r101", "x101"):
        assert f"selsa_faster_rcnn_{arch}_dc5_1x_imagenetvid.py" in names
        assert f"selsa_troialign_faster_rcnn_{arch}_dc5_7e_imagenetvid.py" in names
        assert f"dff_faster_rcnn_{arch}_dc5_1x_imagenetvid.py" in names
        assert f"fgfa_faster_rcnn_{arch}_dc5_1x_imagenetvid.py" in names
    assert "selsa_faster_rcnn_r50_dc5_fp16_1x_imagenetvid.py" in names


@pytest.mark.parametrize("path", CONFIGS, ids=osp.basename)
def test_vid_config_builds(path):
    cfg = Config.fromfile(path)
    name = osp.basename(path)
    det = cfg.model.detector
    det.backbone.init_cfg = None
    depth = 101 if ("r101" in name or "x101" in name) else 50
    assert det.backbone.depth == depth
    assert det.backbone.strides[-1] == 1 and det.backbone.dilations[-1] == 2  # DC5
    assert det.roi_head.bbox_head.num_classes == 30
    assert cfg.train_cfg.max_epochs == 7
    # ImageNet VID + the 30 VID classes of DET
    anns = [d.ann_file for d in cfg.train_dataloader.dataset.datasets]
    assert anns == [
        "annotations/imagenet_vid_train.json",
        "annotations/imagenet_det_30plus1cls.json",
    ]
    if name.startswith("selsa"):
        assert cfg.model.type == "SELSA"
        sampler = cfg.test_dataloader.dataset.ref_img_sampler
        assert sampler.method == "test_with_adaptive_stride" and sampler.num_ref_imgs == 14
        fcs = 3 if "troialign" in name else 2
        assert det.roi_head.bbox_head.num_shared_fcs == fcs
    if name.startswith(("dff", "fgfa")):
        assert cfg.model.motion.type == "FlowNetSimple"
        assert cfg.model.motion.img_scale_factor == 0.5
    if name.startswith("dff"):
        assert cfg.model.type == "DFF" and cfg.model.test_cfg.key_frame_interval == 10
        assert cfg.test_dataloader.dataset.ref_img_sampler is None
        assert det.train_cfg.rpn_proposal.max_per_img == 1000
        assert det.train_cfg.rcnn.sampler.num == 512
        for d in cfg.train_dataloader.dataset.datasets:
            assert d.ref_img_sampler.num_ref_imgs == 1
    if name.startswith("fgfa"):
        assert cfg.model.type == "FGFA"
        assert cfg.model.aggregator.channels == 512
        sampler = cfg.test_dataloader.dataset.ref_img_sampler
        assert sampler.method == "test_with_fix_stride" and sampler.num_ref_imgs == 30
        assert list(sampler.frame_range) == [-15, 15]
    if "fp16" in name:
        assert cfg.optim_wrapper.type == "AmpOptimWrapper"
    if "x101" in name:
        assert det.backbone.type == "ResNeXt" and det.backbone.groups == 64
    model = MODELS.build(cfg.model)
    assert hasattr(model, "detector")
