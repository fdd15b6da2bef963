"""tools/model_converters: MMTracking 0.x checkpoints and detector checkpoints."""

from __future__ import annotations

import torch

from mmtrack.utils import safe_torch_load
from tests.helpers.tools import load_tool

convert = load_tool("tools/model_converters/mmtrack0x_to_1x.py")
mmdet2mmtrack = load_tool("tools/model_converters/mmdet2mmtrack.py")


def test_0x_model_checkpoint(tmp_path):
    # a 0.x ByteTrack checkpoint trained with ExpMomentumEMAHook
    w = torch.randn(4, 3, 3, 3)
    state = {
        "detector.backbone.stem.conv.conv.weight": w,
        "ema_detector_backbone_stem_conv_conv_weight": torch.zeros(4, 3, 3, 3),
    }
    torch.save(
        dict(
            meta=dict(
                CLASSES=("pedestrian",), PALETTE=[(220, 20, 60)], epoch=80, mmcv_version="1.4.0"
            ),
            state_dict=state,
            optimizer=dict(state={}, param_groups=[]),
        ),
        tmp_path / "bytetrack_0x.pth",
    )
    out = tmp_path / "out" / "bytetrack.pth"
    assert convert.main([str(tmp_path / "bytetrack_0x.pth"), str(out)]) == 0
    ckpt = safe_torch_load(str(out))
    assert set(ckpt) == {"meta", "state_dict"}
    assert list(ckpt["state_dict"]) == ["detector.backbone.stem.conv.conv.weight"]
    assert torch.equal(ckpt["state_dict"]["detector.backbone.stem.conv.conv.weight"], w)
    meta = ckpt["meta"]
    assert meta["dataset_meta"] == dict(classes=("pedestrian",), palette=[(220, 20, 60)])
    assert "CLASSES" not in meta and meta["epoch"] == 80
    assert convert.main([str(tmp_path / "bytetrack_0x.pth"), str(out), "--keep-ema"]) == 0
    assert len(safe_torch_load(str(out))["state_dict"]) == 2


def test_merge_detector_and_reid(tmp_path, capsys):
    det = {
        "backbone.conv1.weight": torch.ones(1),
        "roi_head.bbox_head.fc_cls.weight": torch.ones(2, 3),
    }
    reid = {
        "backbone.conv1.weight": torch.full((1,), 2.0),
        "head.fcs.0.fc.weight": torch.ones(4, 2),
    }
    torch.save(dict(state_dict=det, meta=dict(CLASSES=("pedestrian",))), tmp_path / "det.pth")
    torch.save(reid, tmp_path / "reid.pth")  # a bare state dict
    out = tmp_path / "deepsort.pth"
    code = convert.main(
        [
            str(tmp_path / "det.pth"),
            str(out),
            "--prefix",
            "detector",
            "--add",
            f"reid={tmp_path / 'reid.pth'}",
        ]
    )
    assert code == 0
    state = safe_torch_load(str(out))["state_dict"]
    assert sorted(state) == [
        "detector.backbone.conv1.weight",
        "detector.roi_head.bbox_head.fc_cls.weight",
        "reid.backbone.conv1.weight",
        "reid.head.fcs.0.fc.weight",
    ]
    assert state["reid.backbone.conv1.weight"].item() == 2.0
    # the same key from two inputs is an error, and nothing is written
    out2 = tmp_path / "dup.pth"
    code = convert.main(
        [
            str(tmp_path / "det.pth"),
            str(out2),
            "--prefix",
            "detector",
            "--add",
            f"detector={tmp_path / 'det.pth'}",
        ]
    )
    assert code == 1 and not out2.exists()
    assert "already given" in capsys.readouterr().err


def test_mmdet2mmtrack(tmp_path):
    torch.save(
        dict(state_dict={"backbone.stem.weight": torch.ones(2)}, meta=dict(CLASSES=("person",))),
        tmp_path / "yolox.pth",
    )
    assert mmdet2mmtrack.main([str(tmp_path / "yolox.pth"), str(tmp_path / "mot.pth")]) == 0
    ckpt = safe_torch_load(str(tmp_path / "mot.pth"))
    assert list(ckpt["state_dict"]) == ["detector.backbone.stem.weight"]
    assert ckpt["meta"]["dataset_meta"]["classes"] == ("person",)
    assert mmdet2mmtrack.main([str(tmp_path / "none.pth"), str(tmp_path / "x.pth")]) == 1
