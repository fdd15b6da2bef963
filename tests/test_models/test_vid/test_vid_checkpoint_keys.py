"""SELSA / Temporal RoI Align state dicts = MMTracking 0.14's key names and shapes.

The expected lists are written by hand from MMTracking 0.14's module structure
(``SELSA.detector`` = mmdet ``FasterRCNN`` with ResNet-50 DC5, ``ChannelMapper``
to 512 channels, ``RPNHead`` with 12 anchors, ``SelsaRoIHead`` whose
``SelsaBBoxHead`` holds one ``SelsaAggregator`` (``fc_embed``, ``ref_fc_embed``,
``fc``, ``ref_fc``) per shared fc; ``TemporalRoIAlign.embed_network``), not
derived from the code under test.
"""

import torch
from mmengine.config import Config

from mmtrack.registry import MODELS
from mmtrack.utils import register_all_modules
from mmtrack.utils.checkpoint import safe_torch_load

register_all_modules()

BN = ("weight", "bias", "running_mean", "running_var", "num_batches_tracked")


def _bn(prefix, c):
    return {f"{prefix}.{n}": (() if n == "num_batches_tracked" else (c,)) for n in BN}


def _resnet50(prefix):
    keys = {f"{prefix}.conv1.weight": (64, 3, 7, 7)}
    keys.update(_bn(f"{prefix}.bn1", 64))
    inplanes = 64
    for stage, (blocks, width) in enumerate(zip((3, 4, 6, 3), (64, 128, 256, 512)), start=1):
        out = width * 4
        for b in range(blocks):
            p = f"{prefix}.layer{stage}.{b}"
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
    return keys


def _linear(prefix, cout, cin):
    return {f"{prefix}.weight": (cout, cin), f"{prefix}.bias": (cout,)}


def expected_selsa_r50_dc5(num_fcs=2, troi=False):
    keys = _resnet50("detector.backbone")
    keys["detector.neck.convs.0.conv.weight"] = (512, 2048, 3, 3)
    keys["detector.neck.convs.0.conv.bias"] = (512,)
    keys["detector.rpn_head.rpn_conv.weight"] = (512, 512, 3, 3)
    keys["detector.rpn_head.rpn_conv.bias"] = (512,)
    keys["detector.rpn_head.rpn_cls.weight"] = (12, 512, 1, 1)
    keys["detector.rpn_head.rpn_cls.bias"] = (12,)
    keys["detector.rpn_head.rpn_reg.weight"] = (48, 512, 1, 1)
    keys["detector.rpn_head.rpn_reg.bias"] = (48,)
    head = "detector.roi_head.bbox_head"
    keys.update(_linear(f"{head}.fc_cls", 31, 1024))
    keys.update(_linear(f"{head}.fc_reg", 120, 1024))
    keys.update(_linear(f"{head}.shared_fcs.0", 1024, 512 * 7 * 7))
    for i in range(num_fcs):
        if i > 0:
            keys.update(_linear(f"{head}.shared_fcs.{i}", 1024, 1024))
        for name in ("fc_embed", "ref_fc_embed", "fc", "ref_fc"):
            keys.update(_linear(f"{head}.aggregator.{i}.{name}", 1024, 1024))
    if troi:
        p = "detector.roi_head.bbox_roi_extractor.embed_network.conv"
        keys[f"{p}.weight"] = (512, 512, 3, 3)
        keys[f"{p}.bias"] = (512,)
    return keys


def expected_faster_rcnn_r50_dc5():
    """MMDetection 2.x FasterRCNN R-50-DC5 with Shared2FCBBoxHead (DFF/FGFA's detector)."""
    keys = {k: v for k, v in expected_selsa_r50_dc5(num_fcs=2).items() if ".aggregator." not in k}
    return keys


def expected_flownet_simple(prefix="motion"):
    """MMTracking 0.14 FlowNetSimple: ConvModule convs (bias) and deconvs (no bias)."""
    convs = {
        "conv1.0": (64, 6, 7, 7),
        "conv2.0": (128, 64, 5, 5),
        "conv3.0": (256, 128, 5, 5),
        "conv3.1": (256, 256, 3, 3),
        "conv4.0": (512, 256, 3, 3),
        "conv4.1": (512, 512, 3, 3),
        "conv5.0": (512, 512, 3, 3),
        "conv5.1": (512, 512, 3, 3),
        "conv6.0": (1024, 512, 3, 3),
        "conv6.1": (1024, 1024, 3, 3),
    }
    keys = {}
    for name, shape in convs.items():
        keys[f"{prefix}.{name}.conv.weight"] = shape
        keys[f"{prefix}.{name}.conv.bias"] = (shape[0],)
    # ConvTranspose2d weights are (in, out, k, k)
    no_bias = {
        "deconv5": (1024, 512, 4, 4),
        "deconv4": (1026, 256, 4, 4),
        "deconv3": (770, 128, 4, 4),
        "deconv2": (386, 64, 4, 4),
        "predict_flow6": (2, 1024, 3, 3),
        "predict_flow5": (2, 1026, 3, 3),
        "predict_flow4": (2, 770, 3, 3),
        "predict_flow3": (2, 386, 3, 3),
        "upsample_flow5": (2, 2, 4, 4),
        "upsample_flow4": (2, 2, 4, 4),
        "upsample_flow3": (2, 2, 4, 4),
        "upsample_flow2": (2, 2, 4, 4),
        "predict_flow": (2, 194, 3, 3),
    }
    for name, shape in no_bias.items():
        keys[f"{prefix}.{name}.conv.weight"] = shape
    return keys


def _build(path):
    cfg = Config.fromfile(path)
    cfg.model.detector.backbone.init_cfg = None
    return MODELS.build(cfg.model)


def _check(model, expect, tmp_path):
    got = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    assert sorted(set(got) - set(expect)) == []
    assert sorted(set(expect) - set(got)) == []
    assert got == expect
    # an MMTracking-style file (meta + state_dict) loads strictly through the safe loader
    path = tmp_path / "ckpt.pth"
    torch.save({"meta": {"epoch": 7}, "state_dict": model.state_dict()}, path)
    ckpt = safe_torch_load(str(path), map_location="cpu")

    return ckpt


def test_selsa_r50_dc5_keys(tmp_path):
    model = _build("configs/vid/selsa/selsa_faster_rcnn_r50_dc5_1x_imagenetvid.py")
    ckpt = _check(model, expected_selsa_r50_dc5(), tmp_path)
    fresh = _build("configs/vid/selsa/selsa_faster_rcnn_r50_dc5_1x_imagenetvid.py")
    fresh.load_state_dict(ckpt["state_dict"], strict=True)
    w = "detector.roi_head.bbox_head.aggregator.1.ref_fc.weight"
    assert torch.equal(fresh.state_dict()[w], model.state_dict()[w])


def test_troialign_r50_dc5_keys(tmp_path):
    path = "configs/vid/temporal_roi_align/selsa_troialign_faster_rcnn_r50_dc5_7e_imagenetvid.py"
    model = _build(path)
    ckpt = _check(model, expected_selsa_r50_dc5(num_fcs=3, troi=True), tmp_path)
    _build(path).load_state_dict(ckpt["state_dict"], strict=True)


def test_dff_r50_dc5_keys(tmp_path):
    path = "configs/vid/dff/dff_faster_rcnn_r50_dc5_1x_imagenetvid.py"
    model = _build(path)
    expect = expected_faster_rcnn_r50_dc5()
    expect.update(expected_flownet_simple())
    ckpt = _check(model, expect, tmp_path)
    _build(path).load_state_dict(ckpt["state_dict"], strict=True)


def test_fgfa_r50_dc5_keys(tmp_path):
    path = "configs/vid/fgfa/fgfa_faster_rcnn_r50_dc5_1x_imagenetvid.py"
    model = _build(path)
    expect = expected_faster_rcnn_r50_dc5()
    expect.update(expected_flownet_simple())
    expect["aggregator.embed_convs.0.conv.weight"] = (512, 512, 3, 3)
    expect["aggregator.embed_convs.0.conv.bias"] = (512,)
    ckpt = _check(model, expect, tmp_path)
    fresh = _build(path)
    fresh.load_state_dict(ckpt["state_dict"], strict=True)
    w = "motion.deconv4.conv.weight"
    assert torch.equal(fresh.state_dict()[w], model.state_dict()[w])
