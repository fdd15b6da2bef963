"""ResNet/ResNeXt: shapes, torchvision weight compatibility, freezing, pretrained loading."""

import logging

import pytest
import torch
import torchvision
from mmengine.logging import MMLogger

from mmtrack.registry import MODELS
from mmtrack.utils import register_all_modules

register_all_modules()
MMLogger.get_current_instance().setLevel(logging.WARNING)


def _tv_features(tv, x):
    x = tv.maxpool(tv.relu(tv.bn1(tv.conv1(x))))
    outs = []
    for name in ("layer1", "layer2", "layer3", "layer4"):
        x = getattr(tv, name)(x)
        outs.append(x)
    return outs


def test_resnet18_output_shapes():
    m = MODELS.build(dict(type="ResNet", depth=18)).eval()
    outs = m(torch.zeros(1, 3, 32, 32))
    assert [tuple(o.shape) for o in outs] == [
        (1, 64, 8, 8),
        (1, 128, 4, 4),
        (1, 256, 2, 2),
        (1, 512, 1, 1),
    ]


@pytest.mark.parametrize(
    "cfg,tv_fn",
    [
        (dict(type="ResNet", depth=18), torchvision.models.resnet18),
        (
            dict(type="ResNeXt", depth=50, groups=32, base_width=4),
            torchvision.models.resnext50_32x4d,
        ),
    ],
)
def test_torchvision_state_dict_loads_and_matches_features(cfg, tv_fn):
    torch.manual_seed(0)
    tv = tv_fn(weights=None).eval()
    m = MODELS.build(cfg).eval()
    tv_sd = tv.state_dict()
    ours = m.state_dict()
    assert set(ours) == {k for k in tv_sd if not k.startswith("fc.")}
    for k, v in ours.items():
        assert v.shape == tv_sd[k].shape, k
    missing, unexpected = m.load_state_dict(tv_sd, strict=False)
    assert missing == [] and sorted(unexpected) == ["fc.bias", "fc.weight"]
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        for a, b in zip(m(x), _tv_features(tv, x)):
            assert torch.allclose(a, b, atol=1e-4)


def test_pretrained_init_from_local_torchvision_file(tmp_path):
    torch.manual_seed(1)
    tv = torchvision.models.resnet50(weights=None)
    path = tmp_path / "resnet50_tv.pth"
    torch.save(tv.state_dict(), path)
    m = MODELS.build(
        dict(type="ResNet", depth=50, init_cfg=dict(type="Pretrained", checkpoint=str(path)))
    )
    m.init_weights()
    sd = m.state_dict()
    for k, v in tv.state_dict().items():
        if not k.startswith("fc."):
            assert torch.equal(sd[k], v), k


def test_remote_checkpoint_never_downloads(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    m = MODELS.build(
        dict(
            type="ResNet",
            depth=18,
            init_cfg=dict(type="Pretrained", checkpoint="torchvision://resnet18"),
        )
    )
    with pytest.raises(FileNotFoundError, match="torchvision://resnet18.*download"):
        m.init_weights()
    # the file torch would have cached is used when present
    tv = torchvision.models.resnet18(weights=None)
    from mmengine.runner.checkpoint import get_torchvision_models

    url = get_torchvision_models()["resnet18"]
    cache = tmp_path / "hub" / "checkpoints"
    cache.mkdir(parents=True)
    torch.save(tv.state_dict(), cache / url.rsplit("/", 1)[-1])
    m2 = MODELS.build(
        dict(
            type="ResNet",
            depth=18,
            init_cfg=dict(type="Pretrained", checkpoint="torchvision://resnet18"),
        )
    )
    m2.init_weights()
    assert torch.equal(m2.conv1.weight, tv.conv1.weight)
    bad = MODELS.build(
        dict(type="ResNet", depth=18, init_cfg=dict(type="Pretrained", checkpoint="nope.pth"))
    )
    with pytest.raises(FileNotFoundError, match="nope.pth"):
        bad.init_weights()


def test_dc5_strides_dilations_and_caffe_style():
    m = MODELS.build(
        dict(
            type="ResNet",
            depth=50,
            strides=(1, 2, 2, 1),
            dilations=(1, 1, 1, 2),
            out_indices=(3,),
        )
    )
    (out,) = m(torch.zeros(1, 3, 64, 96))
    assert out.shape == (1, 2048, 4, 6)  # stride 16
    conv2 = m.layer4[0].conv2
    assert conv2.dilation == (2, 2) and conv2.padding == (2, 2) and conv2.stride == (1, 1)
    caffe = MODELS.build(dict(type="ResNet", depth=50, style="caffe"))
    assert caffe.layer2[0].conv1.stride == (2, 2) and caffe.layer2[0].conv2.stride == (1, 1)
    pyt = MODELS.build(dict(type="ResNet", depth=50))
    assert pyt.layer2[0].conv1.stride == (1, 1) and pyt.layer2[0].conv2.stride == (2, 2)


def test_frozen_stages_norm_eval_and_zero_init():
    m = MODELS.build(dict(type="ResNet", depth=18, frozen_stages=1, norm_eval=True))
    m.init_weights()
    m.train()
    for p in list(m.conv1.parameters()) + list(m.bn1.parameters()) + list(m.layer1.parameters()):
        assert not p.requires_grad
    assert all(p.requires_grad for p in m.layer2.parameters())
    assert not m.layer2[0].bn1.training  # norm_eval keeps BN frozen
    # zero-init of the last norm of each block (no pretrained weights)
    assert torch.all(m.layer2[0].bn2.weight == 0) and torch.all(m.layer2[0].bn1.weight == 1)
    m2 = MODELS.build(dict(type="ResNet", depth=18, norm_eval=False))
    m2.train()
    assert m2.layer2[0].bn1.training


def test_resnetv1d_and_errors():
    m = MODELS.build(dict(type="ResNetV1d", depth=50))
    keys = m.state_dict().keys()
    assert "stem.0.weight" in keys and "layer2.0.downsample.1.weight" in keys
    assert isinstance(m.layer2[0].downsample[0], torch.nn.AvgPool2d)
    assert [tuple(o.shape[1:]) for o in m(torch.zeros(1, 3, 64, 64))][-1] == (2048, 2, 2)
    with pytest.raises(KeyError, match="invalid depth"):
        MODELS.build(dict(type="ResNet", depth=19))
    with pytest.raises(ValueError, match="strides"):
        MODELS.build(dict(type="ResNet", depth=18, strides=(1, 2)))
