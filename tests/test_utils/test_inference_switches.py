"""InferenceSwitches on the shipped ByteTrack demo model: each switch keeps the tracks."""

from __future__ import annotations

import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from torch import nn

from mmtrack.utils.inference_switches import CompiledModule, InferenceSwitches
from tests.helpers.tools import REPO_ROOT, load_tool

quickstart = load_tool("demo/quickstart.py")
NUM_FRAMES = 4


@pytest.fixture(scope="module")
def frames() -> list[np.ndarray]:
    """The first frames of demo/demo.mp4 (the demo model's own test video, 256 x 160)."""
    cap = cv2.VideoCapture(osp.join(REPO_ROOT, "demo", "demo.mp4"))
    out = []
    while len(out) < NUM_FRAMES:
        ok, frame = cap.read()
        assert ok
        out.append(frame)
    cap.release()
    return out


def _track(frames: list[np.ndarray], switches: InferenceSwitches | dict | None) -> tuple:
    from mmtrack.apis import inference_mot, init_model

    model = init_model(quickstart.CONFIG, quickstart.checkpoint_path(), device="cpu",
                       switches=switches)
    for i, frame in enumerate(frames):
        result = inference_mot(model, frame, i)
    pred = result[0].pred_track_instances
    return model, pred.bboxes.float(), pred.instances_id


@pytest.fixture(scope="module")
def plain(frames) -> tuple:
    return _track(frames, None)


def _best_iou(ref: torch.Tensor, boxes: torch.Tensor) -> torch.Tensor:
    from mmtrack.ops import bbox_overlaps

    return bbox_overlaps(ref, boxes).max(dim=1).values


@pytest.mark.parametrize("switches", [dict(fuse_conv_bn=True), dict(channels_last=True),
                                      dict(compile="eager")])
def test_exact_switches_give_the_same_tracks(frames, plain, switches) -> None:
    # folding BN, the memory layout and dynamo's graph (eager backend: the same
    # kernels) change nothing in real arithmetic: equal up to float32 rounding
    # of the conv sums (~1e-6 relative; boxes are < 256 px)
    _, ref, ref_ids = plain
    model, boxes, ids = _track(frames, switches)
    assert len(ref) >= 3  # the demo video's people are tracked
    assert torch.equal(ids, ref_ids)
    assert (boxes - ref).abs().max() < 1e-3
    if "compile" in switches:
        compiled = [m for m in model.modules() if isinstance(m, CompiledModule)]
        assert sorted(m.name for m in compiled) == ["detector.backbone", "detector.neck"]
        assert all(m.error is None for m in compiled)
        # parameter names keep the model's, under the wrapper's 'module.'
        assert "detector.backbone.module.stem.conv.conv.weight" in dict(model.named_parameters())


@pytest.mark.parametrize("amp,max_px", [("bf16", 2.0), ("fp16", 0.5)])
def test_autocast_keeps_the_tracks(frames, plain, amp, max_px) -> None:
    # the boxes come out in the autocast type: bf16 (8 mantissa bits) steps by
    # 1 px between 128 and 256 px, so rounding alone moves a coordinate by up to
    # 0.5 px, plus about as much from the network's own bf16 rounding; fp16
    # (11 bits) steps by 1/8 px there
    _, ref, ref_ids = plain
    _, boxes, ids = _track(frames, InferenceSwitches(amp=amp))
    assert torch.equal(ids, ref_ids)
    assert (boxes - ref).abs().max() < max_px


def test_test_step_runs_under_inference_mode_and_autocast() -> None:
    seen = {}

    class Probe(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.backbone = nn.Conv2d(3, 4, 1)

        def test_step(self, data: torch.Tensor) -> torch.Tensor:
            seen["inference"] = torch.is_inference_mode_enabled()
            seen["dtype"] = torch.get_autocast_dtype("cpu") if torch.is_autocast_enabled("cpu") \
                else None
            return self.backbone(data)

    model = InferenceSwitches(amp="bf16").apply(Probe())
    out = model.test_step(torch.ones(1, 3, 2, 2))
    assert seen == {"inference": True, "dtype": torch.bfloat16}
    assert out.dtype == torch.bfloat16  # conv ran under autocast
    with pytest.raises(ValueError, match=r"switches \(amp=bf16\) were already applied to this "
                       "Probe"):
        InferenceSwitches(fuse_conv_bn=True).apply(model)


def test_bad_switches_are_one_clear_error() -> None:
    with pytest.raises(ValueError, match=r"amp must be one of \['bf16', 'fp16'\] or None, got "
                       "'fp32'"):
        InferenceSwitches(amp="fp32")
    with pytest.raises(ValueError, match="--compile: Linear has no backbone to compile"):
        InferenceSwitches(compile="eager").apply(nn.Linear(2, 2))


def test_failed_compile_falls_back_with_one_warning() -> None:
    def broken_backend(graph, example_inputs):  # e.g. inductor without a C++ compiler
        raise RuntimeError("no C++ compiler found")

    module = nn.Linear(2, 3)
    wrapped = CompiledModule(module, "detector.backbone", backend=broken_backend)
    x = torch.ones(1, 2)
    with pytest.warns(UserWarning, match=r"--compile: torch.compile \(backend .*\) of "
                      "detector.backbone failed .*no C\\+\\+ compiler found"):
        out = wrapped(x)
    assert torch.equal(out, module(x)) and "no C++ compiler found" in wrapped.error
    assert torch.equal(wrapped(x), module(x))  # no second attempt, no second warning
    with pytest.raises(ValueError, match="--compile: torch.compile cannot use backend "
                       "'no_such_backend' for backbone: Invalid backend"):
        InferenceSwitches(compile="no_such_backend").apply(_with_backbone())


def _with_backbone() -> nn.Module:
    model = nn.Module()
    model.backbone = nn.Conv2d(3, 3, 1)
    return model


def test_demo_script_takes_the_switches(tmp_path, capsys) -> None:
    demo = load_tool("demo/demo_mot_vis.py")
    video = osp.join(REPO_ROOT, "demo", "demo.mp4")
    out = tmp_path / "out.mp4"
    argv = [quickstart.CONFIG, "--input", video, "--checkpoint", quickstart.checkpoint_path(),
            "--device", "cpu", "--output", str(out)]
    assert demo.main([*argv, "--channels-last", "--amp", "bf16"]) == 0
    assert out.stat().st_size > 0
    assert demo.main([*argv, "--compile", ""]) == 1
    assert "--compile: the backend name is empty" in capsys.readouterr().err
