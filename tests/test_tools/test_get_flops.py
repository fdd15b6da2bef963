"""tools/analysis_tools/get_flops.py: FLOPs of one convolution, counted by hand."""

from __future__ import annotations

import pytest
from mmengine.config import Config

from tests.helpers.tools import load_tool

tool = load_tool("tools/analysis_tools/get_flops.py")


def conv_cfg(**kw):
    return Config(
        dict(
            model=dict(type="TinyConvDetector", in_channels=3, out_channels=4, kernel_size=3, **kw),
            custom_imports=dict(imports=["tests.helpers.apis"]),
        )
    )


def test_conv_flops_by_hand():
    import tests.helpers.apis  # noqa: F401  (registers TinyConvDetector)

    result = tool.get_flops(conv_cfg(), shape=(16, 24))
    # one multiply-add per output element and kernel weight: 4 * 16 * 24 * (3 * 3 * 3)
    assert result["flops"] == 4 * 16 * 24 * 27 == 41472
    assert result["params"] == 4 * 27 + 4  # weights + biases
    assert result["input_shape"] == (1, 3, 16, 24)
    square = tool.get_flops(conv_cfg(), shape=(10,))
    assert square["flops"] == 4 * 10 * 10 * 27


def test_mot_model_is_counted_through_its_detector(tmp_path, capsys):
    cfg = Config(
        dict(
            custom_imports=dict(imports=["tests.helpers.apis"]),
            model=dict(
                type="ByteTrack",
                detector=dict(type="TinyConvDetector", out_channels=2, kernel_size=1),
                tracker=dict(type="ByteTracker"),
            ),
        )
    )
    path = tmp_path / "mot.py"
    cfg.dump(str(path))
    assert tool.main([str(path), "--shape", "8", "6"]) == 0
    out = capsys.readouterr().out
    assert "the detector (TinyConvDetector) of ByteTrack" in out
    assert "Input shape: (1, 3, 8, 6)" in out
    assert tool.get_flops(str(path), (8, 6))["flops"] == 2 * 8 * 6 * 3


def test_errors(tmp_path, capsys):
    assert tool.main([str(tmp_path / "missing.py")]) == 1
    with pytest.raises(ValueError, match="1 or 2 numbers"):
        tool.get_flops(conv_cfg(), shape=(1, 2, 3))
    # a network that cannot run in tensor mode on the given input
    with pytest.raises(ValueError, match="cannot run TinyConvDetector in 'tensor' mode"):
        tool.get_flops(conv_cfg(), shape=(8, 8), in_channels=5)
