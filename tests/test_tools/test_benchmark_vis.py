"""tools/analysis_tools/benchmark_vis.py on a tiny video (speed itself is not asserted)."""

import re

import pytest

from mmtrack.engine.runner.tool_utils import ConfigInputError
from tests.helpers.mot import torch_threads
from tests.helpers.tools import load_tool

bench = load_tool("tools/analysis_tools/benchmark_vis.py")


def test_mask2former_timed_against_masktrack_rcnn(capsys):
    with torch_threads(1):
        rows = bench.main(
            ["--widths", "tiny", "--frames", "3", "--warmup", "1", "--shape", "64", "96"]
        )
    assert [r["method"] for r in rows] == ["MaskTrack R-CNN", "Mask2Former"]
    assert [r["model"] for r in rows] == ["MaskTrackRCNN", "Mask2Former"]
    assert all(r["fps"] > 0 for r in rows)
    assert rows[0]["ratio"] == 1.0
    assert rows[1]["ratio"] == pytest.approx(rows[1]["fps"] / rows[0]["fps"])
    # the timed step includes mask decoding at the frame's size (Mask2Former keeps its
    # top-k query/class pairs even with random weights)
    assert rows[1]["masks"] > 0
    out = capsys.readouterr().out
    assert "64x96 frames, cpu, 1 thread(s), median of 2 frames" in out
    for r in rows:
        assert f"x{r['ratio']:.2f}" in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--frames", "1", "--warmup", "1"], "--frames at least --warmup + 1"),
        (["--shape", "32", "96"], "--shape at least 64 x 64, got 1 and 32 x 96"),
        (["--device", "tpu"], "--device 'tpu'"),
    ],
)
def test_bad_arguments_name_the_flag(argv, message):
    with pytest.raises(ConfigInputError, match=re.escape(message)):
        bench.parse_args(argv)
