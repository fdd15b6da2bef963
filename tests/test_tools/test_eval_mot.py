"""tools/analysis_tools/mot/eval_mot.py against TrackEval run directly."""

from __future__ import annotations

import importlib.util
import json
import os
import os.path as osp
import shutil

import numpy as np
import pytest

from tests.helpers.trackeval_reference import run_trackeval_reference

ROOT = osp.join(osp.dirname(__file__), "..", "..")
DATA = osp.join(ROOT, "tests", "data", "eval", "mot")
GT_ROOT = osp.join(DATA, "gt")
RES_DIR = osp.join(DATA, "results")
SEQS = ["DISTR-03", "FRAG-02", "IDSW-01", "NOPRED-04"]


def load_tool():
    path = osp.join(ROOT, "tools", "analysis_tools", "mot", "eval_mot.py")
    spec = importlib.util.spec_from_file_location("eval_mot_tool", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("benchmark", ["MOT17", "MOT15"])
def test_json_equals_trackeval(tmp_path, capsys, benchmark):
    tool = load_tool()
    out = tmp_path / "metrics.json"
    rc = tool.main(
        ["--gt-root", GT_ROOT, "--results", RES_DIR, "--benchmark", benchmark, "--json", str(out)]
    )
    assert rc == 0
    printed = capsys.readouterr().out
    for seq in SEQS + ["COMBINED"]:
        assert seq in printed
    data = json.loads(out.read_text())
    ref = run_trackeval_reference(GT_ROOT, RES_DIR, SEQS, benchmark)
    assert set(data) == set(SEQS) | {"COMBINED"}
    for seq in SEQS + ["COMBINED"]:
        r = ref["COMBINED_SEQ" if seq == "COMBINED" else seq]
        d = data[seq]
        assert set(d) == {"HOTA", "MOTA", "IDF1", "IDSw", "FP", "FN"}
        assert d["HOTA"] == pytest.approx(np.mean(r["HOTA"]["HOTA"]) * 100, rel=1e-12, abs=1e-12)
        assert d["MOTA"] == pytest.approx(r["CLEAR"]["MOTA"] * 100, rel=1e-12, abs=1e-12)
        assert d["IDF1"] == pytest.approx(r["Identity"]["IDF1"] * 100, rel=1e-12, abs=1e-12)
        assert (d["IDSw"], d["FP"], d["FN"]) == (
            r["CLEAR"]["IDSW"],
            r["CLEAR"]["CLR_FP"],
            r["CLEAR"]["CLR_FN"],
        )
        assert all(isinstance(d[k], int) for k in ("IDSw", "FP", "FN"))
    # hand-checked: IDSW-01 MOTA = 1 - (0 FN + 1 FP + 2 IDSw) / 12, IDF1 = 12/25
    assert data["IDSW-01"]["MOTA"] == pytest.approx(75.0)
    assert data["IDSW-01"]["IDF1"] == pytest.approx(48.0)
    if benchmark == "MOT15":
        # no preprocessing: only the zero-marked pedestrian's 5 boxes are FPs
        assert data["DISTR-03"]["FP"] == 5
    else:
        assert data["DISTR-03"]["FP"] == 10


def copy_results(tmp_path):
    res = tmp_path / "results"
    shutil.copytree(RES_DIR, res)
    return res


@pytest.mark.parametrize(
    "line, message",
    [
        ("3,1,20,20,20", "IDSW-01.txt:14: expected 7 to 10 comma-separated columns"),
        ("3,1,x,20,20,40,0.9,-1,-1,-1", "IDSW-01.txt:14: column 3 is not a number: 'x'"),
        ("7,1,20,20,20,40,0.9,-1,-1,-1", "IDSW-01.txt:14: frame 7 is beyond the sequence length 6"),
        ("3,2,20,20,20,40,0.9,-1,-1,-1", "IDSW-01.txt:14: id 2 appears twice in frame 3"),
    ],
)
def test_bad_result_file(tmp_path, capsys, line, message):
    tool = load_tool()
    res = copy_results(tmp_path)
    with open(res / "IDSW-01.txt", "a") as f:
        f.write(line + "\n")
    rc = tool.main(["--gt-root", GT_ROOT, "--results", str(res)])
    assert rc == 1
    err = capsys.readouterr().err
    assert message in err
    assert str(res / "IDSW-01.txt") in err


def test_missing_result_file(tmp_path, capsys):
    tool = load_tool()
    res = copy_results(tmp_path)
    (res / "FRAG-02.txt").unlink()
    assert tool.main(["--gt-root", GT_ROOT, "--results", str(res)]) == 1
    assert "FRAG-02.txt: result file of sequence FRAG-02 not found" in capsys.readouterr().err


def _unwritable_cases(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    folder = tmp_path / "a_folder"
    folder.mkdir()
    cases = [
        (str(blocker / "sub" / "m.json"), f"--json {blocker / 'sub' / 'm.json'}: {blocker} is a "
         "file, not a folder"),
        (str(folder), f"--json {folder}: is a folder, not a file name"),
    ]
    if os.geteuid() != 0:  # root may write anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        cases.append((str(locked / "m.json"), f"--json {locked / 'm.json'}: folder {locked} "
                      "is not writable"))
    return cases


def test_unwritable_json_fails_before_evaluating(tmp_path, capsys):
    tool = load_tool()
    for path, message in _unwritable_cases(tmp_path):
        rc = tool.main(["--gt-root", GT_ROOT, "--results", RES_DIR, "--json", path])
        assert rc == 1
        captured = capsys.readouterr()
        assert captured.err.strip() == f"eval_mot.py: error: {message}"
        assert captured.out == ""  # nothing computed or printed first
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        {"a_file", "a_folder"} | ({"locked"} if (tmp_path / "locked").exists() else set()))
