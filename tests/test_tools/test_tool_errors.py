"""Bad input to the tools ends with one clear line on stderr and a non-zero status."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from tests.helpers.toy import TOY_CONFIG

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / "tools"


def _load_tool(relpath: str):
    spec = importlib.util.spec_from_file_location(f"_tool_{Path(relpath).stem}", TOOLS / relpath)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MMTRACK_DEBUG", raising=False)
    monkeypatch.delenv("LOCAL_RANK", raising=False)


def _error_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.strip()]


def test_unknown_type_subprocess_one_line(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(TOOLS / "train.py"), TOY_CONFIG, "--work-dir", str(tmp_path),
         "--cfg-options", "model.type=ToyTrakModel"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "OMP_NUM_THREADS": "1", "MMTRACK_DEBUG": "0"},
    )
    assert proc.returncode == 1
    lines = _error_lines(proc.stderr)
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    line = lines[0]
    assert line.startswith("train.py: error: config ")
    assert "unknown type 'ToyTrakModel' at model" in line
    assert "'mmtrack::model' registry" in line
    assert "did you mean 'ToyTrackModel'" in line


def test_unknown_type_in_dataset_names_key_path(tmp_path: Path, capsys) -> None:
    train = _load_tool("train.py")
    status = train.run_tool(train.main, [
        TOY_CONFIG, "--work-dir", str(tmp_path), "--cfg-options",
        "train_dataloader.dataset.type=ToyDatset", f"experiment_name=err_{tmp_path.name}"])
    assert status == 1
    lines = _error_lines(capsys.readouterr().err)
    assert len(lines) == 1
    assert "unknown type 'ToyDatset' at train_dataloader.dataset" in lines[0]
    assert "'mmtrack::dataset' registry" in lines[0]
    assert "did you mean 'ToyDataset'" in lines[0]


def test_bad_constructor_argument(tmp_path: Path, capsys) -> None:
    train = _load_tool("train.py")
    status = train.run_tool(train.main, [
        TOY_CONFIG, "--work-dir", str(tmp_path), "--cfg-options", "model.in_featurs=3",
        f"experiment_name=err_{tmp_path.name}"])
    assert status == 1
    lines = _error_lines(capsys.readouterr().err)
    assert len(lines) == 1
    assert "bad arguments for type 'ToyTrackModel' at model" in lines[0]
    assert "unexpected keyword argument 'in_featurs'" in lines[0]


@pytest.mark.parametrize("tool", ["train.py", "test.py", "analysis_tools/print_config.py"])
def test_missing_config_file(tool: str, tmp_path: Path, capsys) -> None:
    module = _load_tool(tool)
    missing = str(tmp_path / "no_such_config.py")
    assert module.run_tool(module.main, [missing]) == 1
    lines = _error_lines(capsys.readouterr().err)
    assert lines == [f"{Path(sys.argv[0]).name}: error: config file not found: {missing}"]


@pytest.mark.parametrize("bad", ["model.type", "=3", "a .b=1"])
def test_malformed_cfg_options(bad: str, capsys) -> None:
    train = _load_tool("train.py")
    with pytest.raises(SystemExit) as exc:
        train.main([TOY_CONFIG, "--cfg-options", "train_cfg.max_iters=2", bad])
    assert exc.value.code == 2
    lines = _error_lines(capsys.readouterr().err)
    assert len(lines) == 1
    assert "argument --cfg-options: malformed item" in lines[0]
    assert repr(bad) in lines[0]


def test_missing_base_file_and_syntax_error(tmp_path: Path, capsys) -> None:
    printer = _load_tool("analysis_tools/print_config.py")
    cfg = tmp_path / "child.py"
    cfg.write_text("_base_ = ['./missing_base.py']\nx = 1\n")
    assert printer.run_tool(printer.main, [str(cfg)]) == 1
    lines = _error_lines(capsys.readouterr().err)
    assert len(lines) == 1 and "missing_base.py" in lines[0] and str(cfg) in lines[0]

    broken = tmp_path / "broken.py"
    broken.write_text("x = dict(a=1\ny = 2\n")
    assert printer.run_tool(printer.main, [str(broken)]) == 1
    lines = _error_lines(capsys.readouterr().err)
    assert len(lines) == 1 and "syntax error" in lines[0] and str(broken) in lines[0]


def test_debug_env_shows_traceback(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys) -> None:
    monkeypatch.setenv("MMTRACK_DEBUG", "1")
    printer = _load_tool("analysis_tools/print_config.py")
    assert printer.run_tool(printer.main, [str(tmp_path / "nope.py")]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and "config file not found" in err


def test_test_tool_refuses_malicious_checkpoint(tmp_path: Path, capsys) -> None:
    marker = tmp_path / "PWNED"

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    evil = tmp_path / "evil.pth"
    torch.save({"state_dict": {}, "meta": Payload()}, evil)
    test_tool = _load_tool("test.py")
    status = test_tool.run_tool(test_tool.main, [
        TOY_CONFIG, "--checkpoint", str(evil), "--work-dir", str(tmp_path / "wd"),
        "--cfg-options", f"experiment_name=evil_{tmp_path.name}"])
    assert status == 1
    lines = _error_lines(capsys.readouterr().err)
    assert len(lines) == 1
    assert f"refusing to load checkpoint '{evil}'" in lines[0]
    assert f"'{os.system.__module__}.system'" in lines[0]
    assert not marker.exists()


def test_missing_checkpoint_and_bad_out(tmp_path: Path, capsys) -> None:
    test_tool = _load_tool("test.py")
    missing = str(tmp_path / "none.pth")
    assert test_tool.run_tool(test_tool.main, [TOY_CONFIG, "--checkpoint", missing]) == 1
    assert _error_lines(capsys.readouterr().err) == [
        f"{Path(sys.argv[0]).name}: error: --checkpoint: file not found: {missing}"]
    with pytest.raises(SystemExit) as exc:
        test_tool.main([TOY_CONFIG, "--out", str(tmp_path / "res.json")])
    assert exc.value.code == 2
    assert "--out must name a .pkl or .pickle file" in capsys.readouterr().err


BYTETRACK_DEMO = str(Path(__file__).resolve().parents[2] / "configs" / "mot" / "bytetrack"
                     / "bytetrack_yolox-nano_12e_synthetic-demo.py")


def test_typo_inside_dict_valued_argument(tmp_path: Path, capsys) -> None:
    test = _load_tool("test.py")
    status = test.run_tool(test.main, [
        BYTETRACK_DEMO, "--work-dir", str(tmp_path), "--cfg-options",
        "model.tracker.obj_score_thrs.hihg=0.9", f"experiment_name=err_{tmp_path.name}"])
    assert status == 1
    lines = _error_lines(capsys.readouterr().err)
    assert lines == [
        f"{Path(sys.argv[0]).name}: error: config {BYTETRACK_DEMO}: bad arguments for type "
        "'ByteTracker' at model.tracker: got an unexpected key 'hihg' in obj_score_thrs="
        "{'high': 0.6, 'low': 0.1, 'hihg': 0.9} (its keys are 'high', 'low'; did you mean 'high'?)"]


def test_dataset_argument_typo_names_the_config_type(tmp_path: Path, capsys) -> None:
    test = _load_tool("test.py")
    status = test.run_tool(test.main, [
        BYTETRACK_DEMO, "--work-dir", str(tmp_path), "--cfg-options",
        "test_dataloader.dataset.ann_fil=x.json", f"experiment_name=err_{tmp_path.name}"])
    assert status == 1
    lines = _error_lines(capsys.readouterr().err)
    assert len(lines) == 1
    assert lines[0].endswith(
        "bad arguments for type 'MOTChallengeDataset' at test_dataloader.dataset (passed on "
        "to its base class BaseDataset): got an unexpected keyword argument 'ann_fil'")
    assert "'BaseDataset'" not in lines[0]
