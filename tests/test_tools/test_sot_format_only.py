"""``tools/test.py --format-only`` on a SOT config writes the GOT-10k / TrackingNet server zip.

The small SiamRPN++ config (untrained: only the file layout is under test)
runs on test splits in each benchmark's own folder layout, whose
annotation gives the first frame's box only (x,y,w,h). The zip must hold
MMTracking 0.14's ``format_results`` layout, one line per frame, and its
first line must be the given box.
"""

from __future__ import annotations

import os.path as osp
import re
import zipfile

import pytest

from mmtrack.engine.runner.tool_utils import run_tool
from tests.helpers.sot_layouts import make_got10k_video, make_trackingnet_video
from tests.helpers.tools import REPO_ROOT, load_tool

SIAMRPN = osp.join(REPO_ROOT, "configs", "sot", "siamese_rpn", "siamese_rpn_r18_synthetic.py")
# (name, first-frame box x,y,w,h, number of frames)
VIDEOS = [("vid_b", (3, 4, 8.5, 6), 4), ("vid_a", (10, 5, 6, 7.25), 3)]
LINE = re.compile(r"^-?\d+\.\d{4},-?\d+\.\d{4},-?\d+\.\d{4},-?\d+\.\d{4}$")


def _config(tmp_path, dataset_type: str) -> str:
    data = tmp_path / "data"
    for name, box, num in VIDEOS:
        if dataset_type == "got10k":
            make_got10k_video(str(data), "test", name, [box], num_frames=num)
        else:
            make_trackingnet_video(str(data), "TEST", name, [box], num_frames=num)
    dataset = "GOT10kDataset" if dataset_type == "got10k" else "TrackingNetDataset"
    root = data / "test" if dataset_type == "got10k" else data
    path = tmp_path / f"siamrpn_{dataset_type}.py"
    path.write_text(
        f"_base_ = [{SIAMRPN!r}]\n"
        f"test_dataloader = dict(dataset=dict(_delete_=True, type={dataset!r}, data_root='', "
        f"ann_file='', data_prefix=dict(img_path={str(root)!r}), test_mode=True, "
        "pipeline=[dict(type='LoadImageFromFile'), dict(type='PackSOTInputs')]))\n"
        "test_evaluator = dict(_delete_=True, type='SOTMetric', "
        f"metric_options=dict(dataset_type={dataset_type!r}))\n"
    )
    return str(path)


@pytest.mark.parametrize("dataset_type", ["got10k", "trackingnet"])
def test_format_only_writes_the_server_zip(tmp_path, dataset_type) -> None:
    cfg = _config(tmp_path, dataset_type)
    out = tmp_path / "out" / dataset_type
    status = run_tool(load_tool("tools/test.py").main, [
        cfg, "--work-dir", str(tmp_path / "work"), "--format-only",
        "--eval-options", f"resfile_path={out}",
    ])  # fmt: skip
    assert status == 0
    with zipfile.ZipFile(f"{out}.zip") as zf:
        files = {n: zf.read(n).decode() for n in zf.namelist()}
    for name, (x, y, w, h), num in VIDEOS:
        if dataset_type == "got10k":
            boxes = files.pop(f"{name}/{name}_001.txt").splitlines()
            assert files.pop(f"{name}/{name}_time.txt") == "0.0001\n" * num
        else:
            boxes = files.pop(f"{name}.txt").splitlines()
        assert len(boxes) == num
        assert boxes[0] == f"{x:.4f},{y:.4f},{w:.4f},{h:.4f}"
        assert all(LINE.match(b) for b in boxes), boxes
    assert files == {}  # nothing else in the zip


def test_format_only_errors_are_one_line(tmp_path, capsys) -> None:
    # The config's OPE metric (LaSOT) has no server: one line before the model runs.
    status = run_tool(load_tool("tools/test.py").main, [
        SIAMRPN, "--work-dir", str(tmp_path / "work"), "--format-only",
        "--eval-options", f"resfile_path={tmp_path / 'x'}",
    ])  # fmt: skip
    err = capsys.readouterr().err
    assert status == 1
    assert "--format-only: SOTMetric: format_only packs results for the 'got10k' or " in err
    assert "dataset_type='vot2018' (the default" in err
    (tmp_path / "a_file").write_text("")
    status = run_tool(load_tool("tools/test.py").main, [
        _config(tmp_path, "got10k"), "--work-dir", str(tmp_path / "work"), "--format-only",
        "--eval-options", f"resfile_path={tmp_path / 'a_file' / 'got10k'}",
    ])  # fmt: skip
    err = capsys.readouterr().err
    assert status == 1
    assert f"SOTMetric: outfile_prefix='{tmp_path / 'a_file' / 'got10k'}': " in err
    assert "is a file, not a folder" in err and "SOTMetric: SOTMetric" not in err
