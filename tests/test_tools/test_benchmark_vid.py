"""tools/analysis_tools/benchmark_vid.py on a tiny video (speed itself is not asserted)."""

import re

import pytest

from mmtrack.engine.runner.tool_utils import ConfigInputError
from tests.helpers.mot import torch_threads
from tests.helpers.tools import load_tool

bench = load_tool("tools/analysis_tools/benchmark_vid.py")


def test_every_method_timed_against_the_single_frame_detector(capsys):
    with torch_threads(1):
        rows = bench.main(
            ["--widths", "tiny", "--frames", "4", "--warmup", "1", "--shape", "64", "96"]
        )
    assert [r["method"] for r in rows] == ["Faster R-CNN", "DFF", "FGFA", "SELSA", "TRoI"]
    # the reference is the DFF model run with every frame a key frame
    assert [r["model"] for r in rows] == ["DFF", "DFF", "FGFA", "SELSA", "SELSA"]
    assert rows[0]["config"] == rows[1]["config"]
    assert all(r["fps"] > 0 for r in rows)
    assert rows[0]["ratio"] == 1.0
    for r in rows:
        assert r["ratio"] == pytest.approx(r["fps"] / rows[0]["fps"])
    out = capsys.readouterr().out
    assert "64x96 frames, cpu, 1 thread(s), mean of 3 frames" in out
    for r in rows:
        assert f"x{r['ratio']:.2f}" in out
    # frames 1-3 are timed; the tiny DFF's key frames are 0, 4, ...: none of them
    assert rows[1]["note"] == "  (0 of 3 timed frames are key frames, 1 in 4)"
    assert [r["note"] for r in rows[2:]] == ["", "", ""] and rows[0]["note"] == ""


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--frames", "2", "--warmup", "1"], "--frames at least --warmup + 2"),
        (["--shape", "32", "96"], "--shape at least 64 x 64, got 1 and 32 x 96"),
        (["--device", "tpu"], "--device 'tpu'"),
    ],
)
def test_bad_arguments_name_the_flag(argv, message):
    with pytest.raises(ConfigInputError, match=re.escape(message)):
        bench.parse_args(argv)
