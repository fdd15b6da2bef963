"""OSTrack: crops, map-back and clipping by hand, the published checkpoint layout, errors."""

import logging
import os
import os.path as osp
import sys
import types

import numpy as np
import pytest
import torch
from mmengine.logging import MMLogger

from mmtrack.models.sot.ostrack import clip_box, sample_target
from mmtrack.registry import MODELS
from mmtrack.utils import register_all_modules
from mmtrack.utils.checkpoint import load_checkpoint
from tests.helpers.tools import REPO_ROOT, load_tool

register_all_modules()
MMLogger.get_current_instance().setLevel(logging.WARNING)


def _tiny(depth=2, **test_cfg):
    model = MODELS.build(
        dict(
            type="OSTrack",
            backbone=dict(
                type="VisionTransformerCE",
                template_size=32,
                search_size=64,
                patch_size=16,
                embed_dims=16,
                depth=depth,
                num_heads=2,
                ce_loc=[1],
                ce_keep_ratio=[0.7],
                pretrain_img_size=64,
            ),
            box_head=dict(type="CenterHead", in_channels=16, feat_channels=16, feat_size=4),
            test_cfg=dict(template_size=32, search_size=64, **test_cfg),
        )
    )
    model.init_weights()
    return model.eval()


def test_sample_target_by_hand():
    img = torch.arange(2 * 10 * 12, dtype=torch.float32).view(2, 10, 12)
    # box (4, 3, 2, 2): side ceil(2 * 2) = 4, corner round(5 - 2) = 3, round(4 - 2) = 2
    crop, factor = sample_target(img, [4, 3, 2, 2], 2.0, 4)
    assert factor == 1.0
    torch.testing.assert_close(crop[0], img[:, 2:6, 3:7])
    # x from 10 to 14, y from -1 to 3: row -1 is padding, and OSTrack pads from
    # column W - 1 = 11 on once the crop passes the right border
    pad = torch.tensor([-1.0, -2.0])
    crop, _ = sample_target(img, [11, 0, 2, 2], 2.0, 4, pad)
    assert crop[0, 0, 0].tolist() == [-1.0] * 4 and crop[0, 1, 0].tolist() == [-2.0] * 4
    assert crop[0, 0, 1].tolist() == [10.0, -1.0, -1.0, -1.0]  # column 10 kept, 11 padded
    assert crop[0, 1, 2, 0] == img[1, 1, 10]
    with pytest.raises(ValueError, match="too small"):
        sample_target(img, [1, 1, 0, 0], 2.0, 4)


def test_clip_box_margin():
    # OSTrack's clip_box: x1 in [0, W - m], x2 in [m, W], sizes at least m
    assert clip_box([-5, 90, 30, 30], 100, 120, margin=10) == [0, 90, 25, 10]
    assert clip_box([110, 5, 40, 20], 100, 120, margin=10) == [110, 5, 10, 20]


def test_track_maps_the_best_cell_back_to_the_image(monkeypatch):
    model = _tiny()
    img = torch.zeros(3, 120, 160)
    model.init(img, torch.tensor([60.0, 40.0, 80.0, 60.0]))  # x, y, w, h = 60, 40, 20, 20
    assert model.memo["template"].shape == (1, 3, 32, 32)

    def fake_network(template, search, keep_rate=None):
        # the search crop: side ceil(20 * 4) = 80 px -> 64 px (factor 0.8)
        assert search.shape == (1, 3, 64, 64)
        score = torch.full((1, 1, 4, 4), 0.1)
        score[0, 0, 1, 2] = 0.9  # row 1, column 2
        size = torch.full((1, 2, 4, 4), 0.25)
        offset = torch.full((1, 2, 4, 4), 0.5)
        return score, size, offset

    monkeypatch.setattr(model, "forward_network", fake_network)
    box, score = model.track(img)
    # crop-normalised cx = (2 + 0.5) / 4, cy = (1 + 0.5) / 4, w = h = 0.25; x 64 / 0.8 = 80 px;
    # the crop is centred on the last centre (70, 50): cx = 50 + 70 - 40 = 80, cy = 30 + 50 - 40
    cx, cy, w = 0.625 * 80 + 70 - 40, 0.375 * 80 + 50 - 40, 0.25 * 80
    torch.testing.assert_close(box, torch.tensor([cx - w / 2, cy - w / 2, cx + w / 2, cy + w / 2]))
    # Hann window of 4: w = 0.5 (1 - cos(2 pi i / 5)), i = 1..4; the peak's weight w[1] w[2]
    hann = 0.5 * (1 - np.cos(2 * np.pi * np.arange(1, 5) / 5))
    assert score == pytest.approx(0.9 * hann[1] * hann[2], rel=1e-5)


def test_predict_frame0_then_track_through_the_base_contract():
    from mmengine.structures import InstanceData

    from mmtrack.structures import DetDataSample, TrackDataSample

    model = _tiny()
    img = torch.rand(1, 1, 3, 96, 128)
    boxes = []
    for frame_id in range(3):
        det = DetDataSample(metainfo=dict(frame_id=frame_id, ori_shape=(96, 128)))
        det.gt_instances = InstanceData(bboxes=torch.tensor([[40.0, 30.0, 60.0, 60.0]]))
        sample = TrackDataSample()
        sample.video_data_samples = [det]
        out = model.predict(dict(img=img), [sample])
        boxes.append(out[0][0].pred_track_instances.bboxes)
    assert boxes[0].tolist() == [[40.0, 30.0, 60.0, 60.0]]
    assert all(b.shape == (1, 4) and torch.isfinite(b).all() for b in boxes)


def test_bad_init_box_is_refused():
    from mmtrack.apis.inference import inference_sot

    model = _tiny()
    with pytest.raises(ValueError, match="x2 > x1"):
        inference_sot(model, np.zeros((48, 64, 3), np.uint8), [10, 10, 5, 20], frame_id=0)


def test_config_mismatch_errors():
    with pytest.raises(ValueError, match="feat_size"):
        MODELS.build(
            dict(
                type="OSTrack",
                backbone=dict(
                    type="VisionTransformerCE",
                    embed_dims=16,
                    depth=1,
                    num_heads=2,
                    ce_loc=[],
                    ce_keep_ratio=[],
                ),
                box_head=dict(type="CenterHead", in_channels=16, feat_channels=16, feat_size=8),
            )
        )
    with pytest.raises(KeyError, match="unknown keys"):
        _tiny(search_scale=3)


def _original_ostrack_keys(depth):
    """Parameter and buffer names of botaoye/OSTrack's model (``net`` of its
    checkpoints), written from its module structure: ``VisionTransformerCE``
    (``cls_token``, ``pos_embed``, ``patch_embed.proj``, ``blocks.i.{norm1,
    attn.qkv, attn.proj, norm2, mlp.fc1, mlp.fc2}``, ``norm``, and
    ``pos_embed_z`` / ``pos_embed_x`` added by ``finetune_track``) and
    ``CenterPredictor`` (``conv{1..4}_{ctr,offset,size}`` = Conv2d + BatchNorm2d
    + ReLU, ``conv5_*`` = Conv2d)."""
    keys = [
        "backbone.cls_token",
        "backbone.pos_embed",
        "backbone.patch_embed.proj.weight",
        "backbone.patch_embed.proj.bias",
    ]
    for i in range(depth):
        for name in ("norm1", "attn.qkv", "attn.proj", "norm2", "mlp.fc1", "mlp.fc2"):
            keys += [f"backbone.blocks.{i}.{name}.weight", f"backbone.blocks.{i}.{name}.bias"]
    keys += [
        "backbone.norm.weight",
        "backbone.norm.bias",
        "backbone.pos_embed_z",
        "backbone.pos_embed_x",
    ]
    for branch in ("ctr", "offset", "size"):
        for k in range(1, 5):
            keys += [f"box_head.conv{k}_{branch}.0.weight", f"box_head.conv{k}_{branch}.0.bias"]
            keys += [
                f"box_head.conv{k}_{branch}.1.{n}"
                for n in ("weight", "bias", "running_mean", "running_var", "num_batches_tracked")
            ]
        keys += [f"box_head.conv5_{branch}.weight", f"box_head.conv5_{branch}.bias"]
    return keys


def test_model_keys_are_the_published_ones():
    model = _tiny(depth=12)
    assert sorted(model.state_dict()) == sorted(_original_ostrack_keys(12))


@pytest.fixture
def fake_ostrack_module():
    """Stand-in for OSTrack's ``lib.train.admin.settings`` (its trainer pickles ``Settings``)."""
    names = ["lib", "lib.train", "lib.train.admin", "lib.train.admin.settings"]
    saved = {n: sys.modules.get(n) for n in names}
    for n in names:
        sys.modules[n] = types.ModuleType(n)
    settings_cls = type("Settings", (), {"__module__": "lib.train.admin.settings"})
    sys.modules["lib.train.admin.settings"].Settings = settings_cls
    yield settings_cls
    for n, m in saved.items():
        if m is None:
            sys.modules.pop(n, None)
        else:
            sys.modules[n] = m


def test_converter_loads_an_ostrack_checkpoint_strictly(tmp_path, fake_ostrack_module):
    source = _tiny()
    net = {k: v.clone() for k, v in source.state_dict().items()}
    assert sorted(net) == sorted(_original_ostrack_keys(2))
    settings = fake_ostrack_module()
    settings.project_path = "train/ostrack/vitb_256_mae_ce_32x4_ep300"
    src = tmp_path / "OSTrack_ep0300.pth.tar"
    torch.save(dict(epoch=300, net_type="OSTrack", net=net, optimizer={}, settings=settings), src)

    out = tmp_path / "ostrack.pth"
    tool = load_tool("tools/model_converters/ostrack_to_mmtrack.py")
    assert tool.main([str(src), str(out)]) == 0
    target = _tiny()
    ckpt = load_checkpoint(target, str(out), strict=True)
    assert ckpt["meta"]["epoch"] == 300
    for key, value in net.items():
        torch.testing.assert_close(target.state_dict()[key], value)


def test_converter_refuses_bad_files(tmp_path, capsys):
    tool = load_tool("tools/model_converters/ostrack_to_mmtrack.py")
    bad = tmp_path / "other.pth"
    torch.save(dict(net={"detector.backbone.conv1.weight": torch.zeros(1)}), bad)
    assert tool.main([str(bad), str(tmp_path / "o.pth")]) == 1
    assert "not part of an OSTrack model" in capsys.readouterr().err

    class Evil:
        def __reduce__(self):
            return (os.system, ("true",))  # pickled, never run

    evil = tmp_path / "evil.pth"
    torch.save(dict(net={}, payload=Evil()), evil)
    assert tool.main([str(evil), str(tmp_path / "o.pth")]) == 1
    assert "refusing" in capsys.readouterr().err
    assert not (tmp_path / "o.pth").exists()
    assert tool.main([str(tmp_path / "missing.pth"), str(tmp_path / "o.pth")]) == 1


def test_ostrack_configs_resolve_consistently():
    import glob

    from mmengine.config import Config

    for path in sorted(glob.glob(osp.join(REPO_ROOT, "configs", "sot", "ostrack", "*.py"))):
        cfg = Config.fromfile(path)
        assert cfg.model.type == "OSTrack"
        search = cfg.model.backbone.search_size
        assert cfg.model.box_head.feat_size * 16 == search
        assert cfg.model.test_cfg.search_factor == (4.0 if search == 256 else 5.0)


def test_benchmark_sot_prints_speed_and_ratio(tmp_path, capsys):
    from tests.helpers.ostrack import tiny_ostrack_config

    cfg = tiny_ostrack_config(str(tmp_path), str(tmp_path), str(tmp_path / "work"))
    path = str(tmp_path / "ostrack_tiny.py")
    cfg.dump(path)
    tool = load_tool("tools/analysis_tools/benchmark_sot.py")
    rows = tool.main([path, path, "--frames", "5", "--warmup", "1", "--shape", "96", "128"])
    assert [r["model"] for r in rows] == ["OSTrack", "OSTrack"]
    assert rows[0]["ratio"] == 1.0 and all(r["fps"] > 0 for r in rows)
    assert "frames/s" in capsys.readouterr().out
